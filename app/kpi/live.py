"""The live state of queues, for `/v1/queues/{code}/live` and the wallboard.

Every piece is read for all the requested queues at once (one statement each), so a
wallboard of 200 queues costs the same handful of round trips as one queue.
"""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import Connection

from app.access.scope import QueueInfo, Scope
from app.core.config import Settings
from app.core.vocabulary import LOGGED_IN_STATES, ON_PHONE_STATES, WORK_ACTIVITY
from app.erlang import required_agents
from app.kpi import queries
from app.kpi.definitions import ALERT_COMPONENTS, ALERT_KPIS, CALL_COMPONENTS, evaluate
from app.kpi.intervals import local_midnight
from app.kpi.sources import ALERTS, CALLS, SL_COMPONENTS
from app.kpi.targets import queue_targets

TODAY_KPIS = (
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "asa_s",
    "answer_rate",
    "abandon_rate",
    "handled",
    "aht_s",
    "received",
    "overflowed",
    "blocked",
)
STAFFING_WINDOW = timedelta(minutes=30)


def queue_live(
    pg: Connection, scope: Scope, settings: Settings, no_client_rejects: bool = False
) -> dict[str, Any]:
    """Return the live state of the scope's (first) queue."""
    return queues_live(pg, [scope], settings, no_client_rejects)[0]


def queues_live(
    pg: Connection, scopes: list[Scope], settings: Settings, no_client_rejects: bool = False
) -> list[dict[str, Any]]:
    """Return waiting calls, agents, today's and the last 10 minutes' KPIs, staffing and
    feeds of each scope's first queue, in the order given.

    Each feed counts the vendor's records rejected today (the client's local day):
    `rejected_today` those of the queue's client, plus, for a viewer bound to no client
    (`no_client_rejects`), the vendor's rejections with no client, also counted apart in
    `rejected_today_no_client` (they are the same in every client's entry of the vendor).
    """
    if not scopes:
        return []
    now = datetime.now(UTC)
    vendor_id = scopes[0].vendor_id  # one viewer, one vendor limit
    keys = _day_keys(scopes, now, vendor_id)
    clients, queue_ids = keys.clients, keys.queues
    waiting = queries.waiting_calls(pg, keys, settings.waiting_horizon_s)
    minutes = settings.interval_minutes
    calls_today = queries.sums_per_queue(pg, CALLS, CALL_COMPONENTS, keys, minutes)
    alerts_today = queries.sums_per_queue(pg, ALERTS, ALERT_COMPONENTS, keys, minutes)
    last_10 = queries.window_sums(
        pg, clients, queue_ids, now - timedelta(minutes=10), SL_COMPONENTS, vendor_id
    )
    arrivals = queries.window_sums(
        pg, clients, queue_ids, now - STAFFING_WINDOW, ("arrivals",), vendor_id
    )
    agents = _agents(pg, keys, scopes, vendor_id, now, settings.agent_stale_after_s)
    feeds: dict[int, list[tuple[str, datetime | None]]] = defaultdict(list)
    for queue_id, vendor, last in queries.feed_freshness(pg, keys, vendor_id):
        feeds[queue_id].append((vendor, last))
    rejected = queries.rejected_today(pg, keys, vendor_id, no_client_rejects)
    callbacks = queries.pending_callbacks(pg, keys)
    lives = []
    for scope in scopes:
        queue = scope.queues[0]
        count, oldest, lost = waiting.get(queue.id, (0, None, 0))
        today = dict.fromkeys(CALL_COMPONENTS, 0.0) | calls_today.get(queue.id, {})
        alerts = dict.fromkeys(ALERT_COMPONENTS, 0.0) | alerts_today.get(queue.id, {})
        window = dict.fromkeys(SL_COMPONENTS, 0.0) | last_10.get(queue.id, {})
        queue_agents = agents.get(queue.id, [])
        by_state = {state: 0 for state in (*LOGGED_IN_STATES, "stale")}
        for agent in queue_agents:
            by_state[agent["state"]] += 1
        targets = queue_targets(queue.targets, settings)
        sl_target = targets["service_level"].min or settings.default_sl_target
        lives.append(
            {
                "queue": queue.code,
                "client": scope.client_code,
                "timezone": str(scope.timezone),
                "as_of": now.astimezone(scope.timezone).isoformat(),
                "sl_formula": queue.sl_formula,
                "sl_threshold_s": queue.sl_threshold_s,
                "targets": {kpi: bound.data() for kpi, bound in targets.items()},
                "waiting": count,
                "longest_wait_s": (now - oldest).total_seconds() if oldest else 0.0,
                "lost_calls_today": lost,  # no answer or end past the horizon: lost data
                "waiting_horizon_s": settings.waiting_horizon_s,
                "today": {
                    k: _round(v) for k, v in evaluate(TODAY_KPIS, today, queue.sl_formula).items()
                },
                "alerts_today": evaluate(ALERT_KPIS, alerts, queue.sl_formula),
                "service_level_10m": _round(
                    evaluate(("service_level",), window, queue.sl_formula)["service_level"]
                ),
                "callbacks": _callbacks(callbacks.get(queue.id), now),
                "agents_by_state": by_state,
                "agents": queue_agents,
                "staffing": _staffing(
                    queue,
                    int(arrivals.get(queue.id, {}).get("arrivals", 0)),
                    today,
                    by_state,
                    sl_target,
                    settings,
                ),
                "feeds": [
                    {
                        "vendor": vendor,
                        "last_record_at": (
                            last.astimezone(scope.timezone).isoformat() if last else None
                        ),
                        "age_s": round((now - last).total_seconds(), 1) if last else None,
                        "rejected_today": sum(rejected.get((queue.id, vendor), (0, 0))),
                        "rejected_today_no_client": rejected.get((queue.id, vendor), (0, 0))[1],
                    }
                    for vendor, last in feeds[queue.id]
                ],
            }
        )
    return lives


def _day_keys(scopes: list[Scope], now: datetime, vendor_id: int | None) -> queries.QueueDays:
    """Return each scope's first queue with its client's local day (DST-safe), of the
    viewer's vendor's records (a vendor sees its own calls of a queue it shares)."""
    keys = queries.QueueDays([], [], [], [], vendor_id)
    for scope in scopes:
        local_day = now.astimezone(scope.timezone).date()
        keys.clients.append(scope.client_id)
        keys.queues.append(scope.queues[0].id)
        keys.days.append(local_midnight(local_day, scope.timezone))
        keys.day_ends.append(local_midnight(local_day + timedelta(days=1), scope.timezone))
    return keys


def _callbacks(pending: tuple[int, int, datetime | None] | None, now: datetime) -> dict[str, Any]:
    """Callback requests of the last day not called back yet, those past the queue's
    callback_within_min, and the oldest one's age (since its caller left the number)."""
    count, overdue, oldest = pending or (0, 0, None)
    return {
        "pending": count,
        "overdue": overdue,
        "oldest_pending_s": round((now - oldest).total_seconds(), 1) if oldest else None,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _agents(
    pg: Connection,
    keys: queries.QueueDays,
    scopes: list[Scope],
    vendor_id: int | None,
    now: datetime,
    stale_s: int,
) -> dict[int, list[dict[str, Any]]]:
    """Return each queue's agents, longest in their state first."""
    timezones = {scope.queues[0].id: scope.timezone for scope in scopes}
    totals = queries.agent_call_totals(pg, keys)
    latest = queries.latest_agent_states(pg, keys.clients, keys.queues, vendor_id)
    scheduled = queries.scheduled_now(pg, sorted({row[1] for row in latest}))
    agents: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for queue_id, agent_id, code, vendor, state, since, reason in latest:
        in_state = (now - since).total_seconds()
        handled, seconds = totals.get((queue_id, agent_id), (0.0, 0.0))
        shown = "stale" if in_state > stale_s else state
        agents[queue_id].append(
            {
                "agent": code,
                "vendor": vendor,
                "state": shown,
                "scheduled": scheduled.get(agent_id),
                "adherence": adherence(shown, scheduled.get(agent_id)),
                "reported_state": state,
                "since": since.astimezone(timezones[queue_id]).isoformat(),
                "in_state_s": round(in_state, 1),
                "reason": reason,
                "handled_today": int(handled),
                "aht_s": round(seconds / handled, 1) if handled else None,
            }
        )
    for rows in agents.values():
        rows.sort(key=lambda a: -a["in_state_s"])
    return agents


def adherence(state: str, activity: str | None) -> str | None:
    """Return `in` when an agent's state now is what its schedule plans now, else `out`;
    None with no segment now. Work is adhered to on the phone (available, talking, ACW), any
    other activity off it (not ready; a stale agent counts as off the phone)."""
    if activity is None:
        return None
    return "in" if (state in ON_PHONE_STATES) == (activity == WORK_ACTIVITY) else "out"


def _staffing(
    queue: QueueInfo,
    arrivals: int,
    today: dict[str, float],
    by_state: dict[str, int],
    sl_target: float,
    settings: Settings,
) -> dict[str, Any]:
    """Erlang C at the last 30 minutes' arrival rate and today's AHT, against the target."""
    aht = evaluate(("aht_s",), today, queue.sl_formula)["aht_s"] or settings.default_aht_s
    need = required_agents(
        arrivals / STAFFING_WINDOW.total_seconds(), aht, sl_target, queue.sl_threshold_s
    )
    have = sum(by_state[s] for s in ON_PHONE_STATES)
    return {
        "arrivals_30m": arrivals,
        "aht_s": round(aht, 1),
        "target_service_level": sl_target,
        "required_agents": need.agents,
        "agents_on_phones": have,
        "staffing_gap": need.agents - have,
        "forecast_service_level": round(need.service_level, 4),
    }
