"""Each KPI of the demo contract worked out by hand from the records sent, in plain Python.

Nothing here reads CallPulse's SQL, stats or KPI functions: the queues' T, S, formulas and
targets come from examples/demo.yaml as text, the figures from the records themselves.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

QUARTER = timedelta(minutes=15)  # the stats interval (CALLPULSE_INTERVAL_MINUTES default)
STALE = timedelta(hours=2)  # CALLPULSE_AGENT_STALE_AFTER_S default: a silent agent stops counting
EMAIL_FIRST_RESPONSE = timedelta(hours=4)  # the e-mail channel's default target (no override)
DEFAULT_SL_TARGET = 0.80  # CALLPULSE_DEFAULT_SL_TARGET: the plan's SL for a queue without one
DEFAULT_CALLBACK_MIN = 60  # a queue's callback_within_min when the YAML sets none
ON_PHONE = {"available", "talking", "acw"}  # working states (the rest: not ready, logged out)


def at(text: str) -> datetime:
    """Read an RFC 3339 timestamp."""
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Period:
    """The report's day: [start, end) between local midnights."""

    start: datetime
    end: datetime

    def holds(self, moment: datetime) -> bool:
        """Tell whether a moment falls in the day."""
        return self.start <= moment < self.end


def inbound_calls(calls: list[dict], queues: dict[str, dict], day: Period) -> list[dict]:
    """Return the inbound calls offered in the day on the queues (callback requests too)."""
    return [
        c
        for c in calls
        if c.get("direction", "inbound") == "inbound"
        and c["queue"] in queues
        and day.holds(at(c["offered_at"]))
    ]


def wait_s(call: dict) -> float:
    """wait = answered (or, unanswered, ended) − offered, seconds."""
    left = call.get("answered_at") or call["ended_at"]
    return (at(left) - at(call["offered_at"])).total_seconds()


def call_figures(calls: list[dict], queues: dict[str, dict]) -> dict[str, float]:
    """Return the call components over inbound calls of the queues (each with its own T, S).

    A call with exit_reason callback left a number: neither offered nor abandoned.
    offered = answered + abandoned (wait ≥ S); short abandons (wait < S) are in neither.
    """
    sums: dict[str, float] = defaultdict(float)
    for call in calls:
        queue = queues[call["queue"]]
        t, s = queue["sl_threshold_s"], queue["short_abandon_s"]
        wait = wait_s(call)
        if call.get("exit_reason") == "callback":
            sums["callbacks"] += 1
        elif "answered_at" in call:
            sums["offered"] += 1
            sums["answered"] += 1
            sums["a_t"] += wait <= t
            sums["wait_answered_s"] += wait
            if "ended_at" in call:
                sums["handled"] += 1
                sums["handle_s"] += call["talk_s"] + call.get("hold_s", 0) + call.get("acw_s", 0)
        elif wait >= s:
            sums["offered"] += 1
            sums["abandoned"] += 1
            sums["ab_t"] += wait <= t
        if call.get("csat") is not None:
            sums["surveyed"] += 1
            sums["csat_sum"] += call["csat"]
    return dict(sums)


def email_first_response_sla(tickets: list[dict]) -> float:
    """first-response SLA = e-mails first answered within 4 h / e-mails created."""
    emails = [t for t in tickets if t["channel"] == "email"]
    within = [
        t
        for t in emails
        if "first_response_at" in t
        and at(t["first_response_at"]) - at(t["created_at"]) <= EMAIL_FIRST_RESPONSE
    ]
    return len(within) / len(emails)


def valid_complaint_rate(tickets: list[dict], handled: float) -> float:
    """valid complaint rate = valid complaints / (handled calls + tickets resolved)."""
    valid = sum(1 for t in tickets if t.get("type") == "complaint" and t.get("valid"))
    resolved = sum(1 for t in tickets if "resolved_at" in t)
    return valid / (handled + resolved)


def accuracy(errors: float, contacts: float) -> float:
    """1 − errors / contacts, floored at 0."""
    return max(0.0, 1 - errors / contacts)


# --- agents and schedules -----------------------------------------------------------------


def state_segments(events: list[dict]) -> dict[str, list[tuple[datetime, datetime, str]]]:
    """Return each agent's state segments: from a change to its next one, at most 2 h (an
    agent silent longer is stale, in no state). Two changes at one moment: the later sent."""
    changes: dict[str, dict[datetime, str]] = defaultdict(dict)
    for event in events:
        changes[event["agent"]][at(event["at"])] = event["state"]
    segments = {}
    for agent, by_time in changes.items():
        times = sorted(by_time)
        ends = [*times[1:], None]
        segments[agent] = [
            (t, min(t + STALE, nxt) if nxt else t + STALE, by_time[t])
            for t, nxt in zip(times, ends, strict=True)
        ]
    return segments


def overlap(a: datetime, b: datetime, c: datetime, d: datetime) -> float:
    """Seconds [a, b) and [c, d) share."""
    return max(0.0, (min(b, d) - max(a, c)).total_seconds())


def logged_in_agents(segments: dict[str, list], day: Period) -> set[str]:
    """Return the agents with logged-in seconds in the day (an agent-day each)."""
    return {
        agent
        for agent, pieces in segments.items()
        if any(
            state != "logged_out" and overlap(lo, hi, day.start, day.end) > 0
            for lo, hi, state in pieces
        )
    }


def adherence(schedules: list[dict], segments: dict[str, list], day: Period) -> float:
    """schedule adherence = seconds in the scheduled state / scheduled seconds, in the day.

    Work adheres while available, talking or in ACW; a break or lunch while anything else
    (not ready, logged out, stale). Interval arithmetic: each schedule segment cut to the day,
    against the agent's working segments.
    """
    scheduled = adherent = 0.0
    for segment in schedules:
        lo = max(at(segment["start"]), day.start)
        hi = min(at(segment["end"]), day.end)
        if hi <= lo:
            continue
        worked = sum(
            overlap(lo, hi, s_lo, s_hi)
            for s_lo, s_hi, state in segments.get(segment["agent"], [])
            if state in ON_PHONE
        )
        span = (hi - lo).total_seconds()
        scheduled += span
        adherent += worked if segment["activity"] == "work" else span - worked
    return adherent / scheduled


# --- forecasts ----------------------------------------------------------------------------


def quarter_of(moment: datetime) -> datetime:
    """Return the 15-minute interval (UTC) a moment falls in."""
    t = moment.astimezone(UTC)
    return t.replace(minute=t.minute // 15 * 15, second=0, microsecond=0)


def erlang_c_need(calls_per_s: float, aht_s: float, target: float, threshold_s: float) -> int:
    """Return the fewest agents N > A whose Erlang C service level reaches `target`.

    Written from the textbook, not from app.erlang: A = λ·AHT; P(wait) =
    (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)), summed in logs;
    SL = 1 − P(wait) · e^(−(N−A)·T/AHT).
    """
    traffic = calls_per_s * aht_s
    agents = math.floor(traffic) + 1
    while True:
        log_terms = [k * math.log(traffic) - math.lgamma(k + 1) for k in range(agents)]
        top = agents * math.log(traffic) - math.lgamma(agents + 1) + math.log(agents)
        top -= math.log(agents - traffic)
        biggest = max(*log_terms, top)
        below = sum(math.exp(x - biggest) for x in log_terms)
        waits = math.exp(top - biggest) / (below + math.exp(top - biggest))
        if 1 - waits * math.exp(-(agents - traffic) * threshold_s / aht_s) >= target:
            return agents
        agents += 1


@dataclass(frozen=True)
class QuarterActual:
    """A queue's quarter as it happened: offered and handled calls, handle seconds."""

    offered: int = 0
    handled: int = 0
    handle_s: float = 0.0


def quarter_actuals(
    calls: list[dict], queues: dict[str, dict]
) -> dict[tuple[str, datetime], QuarterActual]:
    """Return each (queue, quarter)'s actual calls, every vendor's (a forecast is the queue's)."""
    grouped: dict[tuple[str, datetime], list[dict]] = defaultdict(list)
    for call in calls:
        if call.get("direction", "inbound") == "inbound" and call["queue"] in queues:
            grouped[(call["queue"], quarter_of(at(call["offered_at"])))].append(call)
    result = {}
    for key, group in grouped.items():
        sums = call_figures(group, queues)
        result[key] = QuarterActual(
            int(sums.get("offered", 0)), int(sums.get("handled", 0)), sums.get("handle_s", 0.0)
        )
    return result


def quarter_forecasts(forecasts: list[dict], day: Period) -> dict[tuple[str, datetime], dict]:
    """Split each hourly forecast into its four quarters in the day: offered shared out, AHT
    and required agents (levels) kept."""
    result = {}
    for f in forecasts:
        start = at(f["interval_start"])
        parts = f.get("interval_min", 15) // 15
        for i in range(parts):
            quarter = start + i * QUARTER
            if day.holds(quarter):
                result[(f["queue"], quarter.astimezone(UTC))] = f | {
                    "offered": f["offered"] / parts
                }
    return result


def forecast_accuracy(
    forecasts: dict[tuple[str, datetime], dict], actuals: dict[tuple[str, datetime], QuarterActual]
) -> float:
    """forecast accuracy = 1 − Σ|actual − forecast offered| / Σ actual offered (1 − WAPE)."""
    actual = [actuals.get(key, QuarterActual()).offered for key in forecasts]
    error = sum(abs(a - f["offered"]) for a, f in zip(actual, forecasts.values(), strict=True))
    return accuracy(error, sum(actual))


def staffing_accuracy(
    forecasts: dict[tuple[str, datetime], dict],
    actuals: dict[tuple[str, datetime], QuarterActual],
    queues: dict[str, dict],
) -> float:
    """staffing forecast accuracy = 1 − Σ|forecast required − need| / Σ need, where the need
    is the Erlang C agents at the quarter's actual calls and AHT (the forecast's AHT when none
    was handled; 0 without calls) for the queue's SL target within its T."""
    error = need_sum = 0.0
    for key, f in forecasts.items():
        queue = queues[key[0]]
        actual = actuals.get(key, QuarterActual())
        need = 0
        if actual.offered:
            aht = actual.handle_s / actual.handled if actual.handled else f["aht_s"]
            target = queue.get("targets", {}).get("service_level", {}).get("min")
            rate = actual.offered / QUARTER.total_seconds()
            need = erlang_c_need(rate, aht, target or DEFAULT_SL_TARGET, queue["sl_threshold_s"])
        error += abs(f["required_agents"] - need)
        need_sum += need
    return accuracy(error, need_sum)


# --- callbacks and alerts -----------------------------------------------------------------


def callback_timeliness(
    requests: list[dict], all_calls: list[dict], queues: dict[str, dict], now: datetime
) -> float:
    """callback timeliness = requests called back within callback_within_min of their end /
    requests due (called back, or past their deadline). The callback: the first outbound call
    naming the request in callback_of, whoever dialled it, when dialled."""
    first: dict[str, datetime] = {}
    for call in all_calls:
        if call.get("direction") == "outbound" and call.get("callback_of"):
            dialled = at(call["offered_at"])
            first[call["callback_of"]] = min(dialled, first.get(call["callback_of"], dialled))
    due = on_time = 0
    for request in requests:
        minutes = queues[request["queue"]].get("callback_within_min", DEFAULT_CALLBACK_MIN)
        deadline = at(request["ended_at"]) + timedelta(minutes=minutes)
        called = first.get(request["call_id"])
        if called is not None or deadline <= now:
            due += 1
            on_time += called is not None and called <= deadline
    return on_time / due


def alert_response_s(alerts: list[dict[str, Any]], day: Period, now: datetime) -> float:
    """alert response = Σ(acknowledged, else resolved, else the period's end − opened) /
    alerts opened, each running at most to the period's end (or now)."""
    total = 0.0
    for alert in alerts:
        stops = [day.end, now]
        stops += [at(alert[k]) for k in ("acknowledged_at", "resolved_at") if alert[k]]
        total += (min(stops) - at(alert["opened_at"])).total_seconds()
    return total / len(alerts)
