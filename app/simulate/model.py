"""The traffic model (pure and seeded): calls, agents on shifts, tickets, in time order.

Poisson arrivals on an intraday curve in the client's timezone; agents on staggered
shifts with breaks, lunch and odd not-ready time, each shift's schedule published ahead;
callers who hang up when their patience runs out; lognormal talk, hold and ACW; transfers,
first-contact resolution and CSAT; e-mail and chat tickets; QA evaluations (质检) of a few
of each agent's calls a day; a WFM tool's hourly forecasts, published the day before;
callers who leave a number, called back (回访) mostly in time. It yields what a vendor's ACD
(and its QA and WFM teams) would send, when it would send it.
"""

import heapq
import itertools
import math
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.core.vocabulary import COMPLAINT
from app.kpi.intervals import local_midnight
from app.simulate.forecasts import hourly_forecasts

COMPLAINT_EVERY = 37  # e-mail tickets per complaint (a third of complaints are valid)
# Share of the peak arrival rate by local hour (0–24), linearly interpolated.
INTRADAY = [
    0.04,
    0.03,
    0.02,
    0.02,
    0.03,
    0.06,
    0.15,
    0.40,
    0.75,
    0.95,
    1.00,
    0.95,
    0.75,
    0.80,
    0.90,
    0.92,
    0.85,
    0.70,
    0.55,
    0.40,
    0.28,
    0.18,
    0.10,
    0.06,
    0.04,
]
# Shift starts (local), 9 h each, handed out to agents in this order: a small team covers
# the day and one night shift; a bigger one fills the peaks.
SHIFTS = [
    (time(h, m), 9)
    for h, m in (
        (8, 0),
        (9, 0),
        (7, 0),
        (10, 0),
        (12, 0),
        (22, 0),
        (8, 30),
        (7, 30),
        (11, 0),
        (13, 0),
        (6, 30),
        (8, 0),
    )
]

# QA (质检): the share of handled calls evaluated (about 2–3 per agent-day at the demo's
# volumes), of those listened to live, and the chance of each fatal and non-fatal error.
QA_SHARE, QA_LIVE_SHARE = 0.04, 0.3
QA_FATAL, QA_NON_FATAL = 0.02, (0.02, 0.005)  # one error; (one, two) non-fatal errors
QA_EVALUATORS = ("qa-01", "qa-02", "qa-03")
# Callbacks (回访): a caller who waited this long may leave a number instead of hanging up;
# the callback is dialled within the default 60-minute window, except for the late share.
CALLBACK_AFTER_S, CALLBACK_SHARE, CALLBACK_LATE = 60.0, 0.4, 0.08


@dataclass(frozen=True)
class QueueSpec:
    """One simulated queue."""

    code: str
    timezone: ZoneInfo
    peak_calls_per_hour: float = 90.0
    agents: int = 12
    surge_factor: float = 1.0
    surge_from: datetime | None = None


@dataclass(frozen=True)
class Emit:
    """A record to send at `at`, to `path`."""

    at: datetime
    path: str
    record: dict


@dataclass
class _Call:
    call_id: str
    queue: QueueSpec
    offered: datetime
    answered: datetime | None = None
    agent: "_Agent | None" = None
    done: bool = False


@dataclass
class _Agent:
    code: str
    queue: QueueSpec
    state: str = "logged_out"
    on_shift: bool = False
    pending: str | None = None  # a break or logout waiting for the current call to end
    call: _Call | None = None
    waiting: deque = field(default_factory=deque)


def intraday_share(moment: datetime, tz: ZoneInfo) -> float:
    """Return the share of peak traffic at `moment`'s local time of day."""
    local = moment.astimezone(tz)
    hour = local.hour + local.minute / 60
    low = INTRADAY[int(hour)]
    return low + (INTRADAY[int(hour) + 1] - low) * (hour - int(hour))


class Simulation:
    """Run the model from `start`; `cdr` mode sends one complete record per call."""

    def __init__(
        self, queues: list[QueueSpec], start: datetime, seed: int = 1, cdr: bool = False
    ) -> None:
        self.rng = random.Random(seed)
        # QA draws apart, so calls, agents and tickets are the same with or without them.
        self.qa_rng = random.Random(f"qa-{seed}")
        self.callback_rng = random.Random(f"callbacks-{seed}")  # apart too, likewise
        self._qa_ids = itertools.count(1)
        self.forecast_rng = random.Random(f"forecast-{seed}")  # apart, like QA's
        self.start, self.now, self.cdr = start, start, cdr
        self._heap: list[tuple[datetime, int, str, object]] = []
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._out: list[Emit] = []
        self.tag = f"{seed:x}{int(start.timestamp()):x}"
        self._arrival_chain: dict[str, int] = {}  # queue code → the live chain of arrivals
        for queue in queues:
            agents = [_Agent(f"{queue.code}-a{i + 1:02d}", queue) for i in range(queue.agents)]
            waiting: deque = deque()
            for agent in agents:
                agent.waiting = waiting
            for i, agent in enumerate(agents):
                self._plan_shifts(agent, SHIFTS[i % len(SHIFTS)])
            self._publish_forecasts(queue)
            self._push(start, "arrival", (queue, waiting, agents, 0))
            if queue.surge_from and queue.surge_from > start:
                self._push(queue.surge_from, "surge", (queue, waiting, agents))
            for ticket_channel, per_hour in (("email", 6.0), ("chat", 10.0)):
                self._push(start, "ticket", (queue, ticket_channel, per_hour))

    def run(self, until: datetime) -> Iterator[Emit]:
        """Yield every record due before `until`, in time order; call again to continue."""
        while self._heap and self._heap[0][0] < until:
            moment, _, kind, data = heapq.heappop(self._heap)
            self.now = moment
            getattr(self, f"_on_{kind}")(data)
            yield from self._out
            self._out.clear()
        self.now = until

    # --- scheduling -------------------------------------------------------------------
    def _push(self, at: datetime, kind: str, data: object) -> None:
        heapq.heappush(self._heap, (at, next(self._seq), kind, data))

    def _emit(self, path: str, record: dict, at: datetime | None = None) -> None:
        if at is not None and at > self.now:
            self._push(at, "emit", Emit(at, path, record))  # sent when it happens
        else:
            self._out.append(Emit(self.now, path, record))

    def _on_emit(self, emit: Emit) -> None:
        self._out.append(emit)

    def _seconds(self, mean: float, sigma: float = 0.5) -> float:
        mu = math.log(mean) - sigma**2 / 2
        return round(self.rng.lognormvariate(mu, sigma), 1)

    def _plan_shifts(self, agent: _Agent, shift: tuple[time, int]) -> None:
        begin, hours = shift
        tz = agent.queue.timezone
        day = self.start.astimezone(tz).date() - timedelta(days=1)
        for offset in range(0, 60):  # shifts for the next 60 days (backfills reach back)
            planned = datetime.combine(day + timedelta(days=offset), begin, tz)
            self._publish_schedule(agent, planned, hours)
            on = planned + timedelta(minutes=self.rng.randrange(0, 20))  # logs in late
            plan = [  # then keeps the breaks of its schedule
                (on, "available", None),
                (planned + timedelta(hours=2), "not_ready", "break"),
                (planned + timedelta(hours=2, minutes=15), "available", None),
                (planned + timedelta(hours=4, minutes=30), "not_ready", "lunch"),
                (planned + timedelta(hours=5), "available", None),
                (planned + timedelta(hours=7), "not_ready", "break"),
                (planned + timedelta(hours=7, minutes=15), "available", None),
                (planned + timedelta(hours=hours), "logged_out", None),
            ]
            if self.rng.random() < 0.3:
                extra = on + timedelta(minutes=self.rng.randrange(60, hours * 60 - 60))
                plan += [
                    (extra, "not_ready", self.rng.choice(["coaching", "training", "system"])),
                    (extra + timedelta(minutes=10), "available", None),
                ]
            plan.sort(key=lambda p: p[0])
            past = [p for p in plan if p[0] < self.start]
            if past and len(past) < len(plan):  # mid-shift at the start: be in its state now
                self._push(self.start, "shift", (agent, past[-1][1], past[-1][2]))
            for at, state, reason in plan[len(past) :]:
                self._push(at, "shift", (agent, state, reason))

    def _publish_schedule(self, agent: _Agent, begin: datetime, hours: int) -> None:
        """Publish the shift's schedule half a day ahead: work with two breaks and lunch at
        the times the agent takes them (it logs in a little late and finishes a call before a
        break, and some days an unplanned not-ready spell: the demo's adherence is not 1)."""
        edges = [
            (0, "work"),
            (120, "break"),
            (135, "work"),
            (270, "lunch"),
            (300, "work"),
            (420, "break"),
            (435, "work"),
            (hours * 60, None),
        ]
        for (start, activity), (end, _) in itertools.pairwise(edges):
            lo = max(begin + timedelta(minutes=start), self.start)  # no states before the start
            hi = begin + timedelta(minutes=end)
            if hi <= lo:
                continue
            record = {
                "agent": agent.code,
                "start": lo.isoformat(),
                "end": hi.isoformat(),
                "activity": activity,
                "queues": [agent.queue.code],
            }
            self._emit("/v1/schedules", record, begin - timedelta(hours=12))

    def _publish_forecasts(self, queue: QueueSpec) -> None:
        """Publish the WFM tool's hourly forecast of each of the next 60 days at noon the day
        before (hours before the start are left out: no calls were simulated then)."""
        first = self.start.astimezone(queue.timezone).date()
        for offset in range(60):
            day = first + timedelta(days=offset)
            records = hourly_forecasts(
                queue, day, queue.peak_calls_per_hour, intraday_share, self.forecast_rng
            )
            published = local_midnight(day, queue.timezone) - timedelta(hours=12)
            for record in records:
                if datetime.fromisoformat(record["interval_start"]) >= self.start:
                    self._emit("/v1/forecasts", record, published)

    # --- events -----------------------------------------------------------------------
    def _next_arrival(self, queue: QueueSpec, waiting: deque, agents: list) -> None:
        """Draw the gap to the next caller at the rate of this moment (Poisson arrivals)."""
        rate = queue.peak_calls_per_hour * intraday_share(self.now, queue.timezone)
        if queue.surge_from and self.now >= queue.surge_from:
            rate *= queue.surge_factor
        gap = timedelta(hours=self.rng.expovariate(max(rate, 0.01)))
        chain = self._arrival_chain.get(queue.code, 0)
        self._push(self.now + gap, "arrival", (queue, waiting, agents, chain))

    def _on_surge(self, data: tuple) -> None:
        """Start the surge now: redraw the pending arrival at the surged rate.

        Poisson arrivals are memoryless, so dropping the gap drawn at the old rate and
        drawing anew is exact; without it a long gap drawn before the surge delays it.
        """
        queue, waiting, agents = data
        self._arrival_chain[queue.code] = self._arrival_chain.get(queue.code, 0) + 1
        self._next_arrival(queue, waiting, agents)

    def _on_arrival(self, data: tuple) -> None:
        queue, waiting, agents, chain = data
        if chain != self._arrival_chain.get(queue.code, 0):
            return  # drawn before the surge began
        self._next_arrival(queue, waiting, agents)
        call = _Call(f"sim-{self.tag}-{next(self._ids)}", queue, self.now)
        if not self.cdr:
            self._emit("/v1/call-events", self._event(call, "offered", self.now))
        free = [a for a in agents if a.state == "available" and a.call is None]
        if free:
            self._answer(
                call, self.rng.choice(free), self.now + timedelta(seconds=self.rng.uniform(2, 8))
            )
        else:
            waiting.append(call)
            patience = self.rng.expovariate(1 / 75)
            self._push(self.now + timedelta(seconds=patience), "abandon", call)

    def _answer(self, call: _Call, agent: _Agent, at: datetime) -> None:
        call.answered, call.agent, agent.call = at, agent, call
        talk, hold = self._seconds(200), self._seconds(35) if self.rng.random() < 0.3 else 0.0
        self._push(at, "talk", (agent, call))
        self._push(at + timedelta(seconds=talk + hold), "end", (call, talk, hold))

    def _on_talk(self, data: tuple) -> None:
        agent, call = data
        self._state(agent, "talking")
        if not self.cdr:
            self._emit("/v1/call-events", self._event(call, "answered", self.now, agent=agent.code))

    def _on_abandon(self, call: _Call) -> None:
        if call.answered is None and not call.done:
            call.done = True
            call.agent = None
            with_queue = call.queue
            waited = (self.now - call.offered).total_seconds()
            if waited >= CALLBACK_AFTER_S and self.callback_rng.random() < CALLBACK_SHARE:
                self._callback(call)
            elif self.cdr:
                self._emit(
                    "/v1/calls",
                    {
                        "call_id": call.call_id,
                        "queue": with_queue.code,
                        "offered_at": call.offered.isoformat(),
                        "ended_at": self.now.isoformat(),
                    },
                )
            else:
                self._emit("/v1/call-events", self._event(call, "abandoned", self.now))

    def _callback(self, call: _Call) -> None:
        """The caller leaves a number (exit_reason callback); an outbound call returns it,
        dialled within the hour but for the late share, and sent when it ends."""
        rng, queue = self.callback_rng, call.queue
        self._emit(
            "/v1/calls",
            {
                "call_id": call.call_id,
                "queue": queue.code,
                "offered_at": call.offered.isoformat(),
                "ended_at": self.now.isoformat(),
                "exit_reason": "callback",
            },
        )
        late = rng.random() < CALLBACK_LATE
        dialled = self.now + timedelta(minutes=rng.uniform(65, 150) if late else rng.uniform(3, 55))
        answered = dialled + timedelta(seconds=rng.uniform(5, 20))
        talk = round(rng.lognormvariate(math.log(150), 0.5), 1)
        ended = answered + timedelta(seconds=talk)
        record = {
            "call_id": f"{call.call_id}-cb",
            "queue": queue.code,
            "direction": "outbound",
            "offered_at": dialled.isoformat(),
            "answered_at": answered.isoformat(),
            "ended_at": ended.isoformat(),
            "talk_s": talk,
            "callback_of": call.call_id,
        }
        self._emit("/v1/calls", record, at=ended)

    def _on_end(self, data: tuple) -> None:
        call, talk, hold = data
        agent = call.agent
        assert agent is not None and call.answered is not None
        acw = self._seconds(30, 0.6)
        outcome = {
            "hold_s": hold,
            "transferred": self.rng.random() < 0.08,
            "resolved": self.rng.random() < 0.76,
        }
        if self.rng.random() < 0.35:
            outcome["csat"] = self.rng.choice([60, 70, 80, 80, 90, 90, 100, 100, 100])
        if self.cdr:
            self._emit(
                "/v1/calls",
                {
                    "call_id": call.call_id,
                    "queue": call.queue.code,
                    "offered_at": call.offered.isoformat(),
                    "answered_at": call.answered.isoformat(),
                    "ended_at": self.now.isoformat(),
                    "agent": agent.code,
                    "talk_s": talk,
                    "acw_s": acw,
                    **outcome,
                },
            )
        else:
            self._emit("/v1/call-events", self._event(call, "ended", self.now, **outcome))
        call.done = True
        if self.qa_rng.random() < QA_SHARE:
            self._evaluate(call, agent)
        self._state(agent, "acw")
        self._push(self.now + timedelta(seconds=acw), "acw_done", (agent, call, acw))

    def _on_acw_done(self, data: tuple) -> None:
        agent, call, acw = data
        if not self.cdr:
            self._emit("/v1/call-events", self._event(call, "acw_done", self.now, acw_s=acw))
        agent.call = None
        if agent.pending:
            state, agent.pending = agent.pending, None
            self._state(agent, *state.split(":", 1))
            return
        self._state(agent, "available")
        self._take_next(agent)

    def _take_next(self, agent: _Agent) -> None:
        while agent.waiting:
            call = agent.waiting.popleft()
            if not call.done:
                self._answer(call, agent, self.now + timedelta(seconds=self.rng.uniform(1, 4)))
                return

    def _on_shift(self, data: tuple) -> None:
        agent, state, reason = data
        agent.on_shift = state != "logged_out"
        if agent.call is not None:
            agent.pending = f"{state}:{reason}" if reason else state
            return
        self._state(agent, state, reason)
        if state == "available":
            self._take_next(agent)

    def _state(self, agent: _Agent, state: str, reason: str | None = None) -> None:
        if state == agent.state and reason is None:
            return
        agent.state = state
        record = {
            "agent": agent.code,
            "state": state,
            "at": self.now.isoformat(),
            "queues": [agent.queue.code],
        }
        if reason and reason != "None":
            record["reason"] = reason
        self._emit("/v1/agent-events", record)

    def _on_ticket(self, data: tuple) -> None:
        queue, channel, per_hour = data
        rate = per_hour * intraday_share(self.now, queue.timezone)
        self._push(
            self.now + timedelta(hours=self.rng.expovariate(max(rate, 0.01))), "ticket", data
        )
        number = next(self._ids)
        ticket = {
            "ticket_id": f"tk-{self.tag}-{number}",
            "queue": queue.code,
            "channel": channel,
            "created_at": self.now.isoformat(),
        }
        # Every 37th e-mail is a complaint and every third complaint is found valid once
        # resolved (有理投诉): chosen by number, so the seeded draws stay as they were.
        complaint = channel == "email" and number % COMPLAINT_EVERY == 0
        if complaint:
            ticket["type"] = COMPLAINT
        judged = {"valid": number % (3 * COMPLAINT_EVERY) == 0} if complaint else {}
        first = self._seconds(5400 if channel == "email" else 40, 0.8)
        resolve = first + self._seconds(20 * 3600 if channel == "email" else 600, 0.8)
        responded = {
            **ticket,
            "first_response_at": (self.now + timedelta(seconds=first)).isoformat(),
        }
        resolved = {
            **responded,
            "resolved_at": (self.now + timedelta(seconds=resolve)).isoformat(),
            **judged,
        }
        if self.cdr:
            self._emit("/v1/tickets", resolved, at=self.now + timedelta(seconds=resolve))
            return
        self._emit("/v1/tickets", ticket)
        self._emit("/v1/tickets", responded, at=self.now + timedelta(seconds=first))
        self._emit("/v1/tickets", resolved, at=self.now + timedelta(seconds=resolve))

    def _evaluate(self, call: _Call, agent: _Agent) -> None:
        """Evaluate a call that just ended: live (at once) or from its recording, later."""
        rng = self.qa_rng
        live = rng.random() < QA_LIVE_SHARE
        at = self.now if live else self.now + timedelta(minutes=rng.uniform(30, 180))
        fatal = int(rng.random() < QA_FATAL)
        draw = rng.random()
        one, two = QA_NON_FATAL
        non_fatal = 2 if draw < two else 1 if draw < one + two else 0
        score = max(0.0, round(100 - 40 * fatal - 8 * non_fatal - rng.uniform(0, 12), 1))
        record = {
            "evaluation_id": f"qa-{self.tag}-{next(self._qa_ids)}",
            "call_id": call.call_id,
            "queue": call.queue.code,
            "agent": agent.code,
            "evaluator": rng.choice(QA_EVALUATORS),
            "evaluated_at": at.isoformat(),
            "mode": "live" if live else "recording",
            "fatal_errors": fatal,
            "non_fatal_errors": non_fatal,
            "score": score,
        }
        self._emit("/v1/qa-evaluations", record, at=at)

    def _event(self, call: _Call, event: str, at: datetime, **extra: object) -> dict:
        return {
            "call_id": call.call_id,
            "queue": call.queue.code,
            "event": event,
            "at": at.isoformat(),
            **extra,
        }
