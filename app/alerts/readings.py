"""Rules' metrics over their rolling windows, read from raw data (not the interval stats):
each metric's window for all the queues that ask for it in one statement."""

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from psycopg import Connection
from sqlalchemy.orm import Session

from app.alerts.config import QA_RULE_METRICS, WINDOWED_METRICS
from app.alerts.evaluator import Reading
from app.core.config import get_settings
from app.forecasting.service import own_expected
from app.kpi import queries
from app.kpi.definitions import CALL_COMPONENTS, KPIS, QA_COMPONENTS, evaluate, offered
from app.kpi.sources import CALLS, QA, SOURCES, Source


class Projection(Protocol):
    """Projected month-end figures per queue (`app.contracts.projected_readings`)."""

    def reading(self, client_id: int, queue_id: int, metric: str) -> tuple[float | None, float]:
        """Return the metric's value for the queue (None: no projection) and its volume."""
        ...


Projections = Callable[[Session, datetime], Projection]
"""What makes a `Projection` for one evaluation: injected by the scheduler (`app.jobs`),
since the alerts engine may not import the contracts it would read them from."""

SURGE_WEEKS = 4
TARGET_OCCUPANCY = 0.85
LIVE = timedelta(0)  # the window of `waiting` and `longest_wait_s`: now


@dataclass(frozen=True, slots=True)
class Ask:
    """One rule's metric over its window on one queue."""

    metric: str
    window: timedelta
    client_id: int
    queue_id: int
    sl_formula: str


QueuesOf = Mapping[int, Sequence[int]]
"""Queue ids by client id."""


def read_all(
    pg: Connection, asks: Sequence[Ask], now: datetime, horizon_s: int, aht_s: float
) -> list[Reading]:
    """Return each ask's metric over `[now − window, now)` and the volume behind it.

    Asks are grouped by what they read (a source's components, the waiting calls, surge)
    and window; each group is one read of all its queues, so a pass costs a few statements
    per rule, however many queues the rules watch.
    """
    groups: dict[tuple[str, timedelta], dict[int, dict[int, None]]] = defaultdict(dict)
    for ask in asks:  # queues by client, each once, in order
        groups[_group(ask)].setdefault(ask.client_id, {})[ask.queue_id] = None
    found = {
        (family, window): _READERS[family](
            pg, window, {c: list(ids) for c, ids in queues.items()}, now, horizon_s, aht_s
        )
        for (family, window), queues in groups.items()
    }
    return [_reading(ask, found[_group(ask)].get(ask.queue_id), now) for ask in asks]


def _group(ask: Ask) -> tuple[str, timedelta]:
    """Return what the ask reads and over which window."""
    if ask.metric in ("waiting", "longest_wait_s"):
        return "waiting", LIVE
    if ask.metric == "surge":
        return "surge", ask.window
    if ask.metric in QA_RULE_METRICS:
        return QA.name, ask.window
    if ask.metric in WINDOWED_METRICS:
        return KPIS[ask.metric].source, ask.window
    return CALLS.name, ask.window


def _reading(ask: Ask, found: Any, now: datetime) -> Reading:
    """Turn what was read for the ask's queue into its reading."""
    metric = ask.metric
    if metric in ("waiting", "longest_wait_s"):
        waiting, oldest, _ = found or (0, None, 0)
        if metric == "waiting":
            return Reading(float(waiting), waiting)
        return Reading((now - oldest).total_seconds() if oldest else 0.0, waiting)
    if metric == "surge":
        return found
    if metric in QA_RULE_METRICS:  # evaluations by evaluated_at; the volume is evaluations
        qa = dict.fromkeys(QA_COMPONENTS, 0.0) | (found or {})
        return Reading(evaluate((metric,), qa, ask.sl_formula)[metric], int(qa["qa_evaluated"]))
    if metric in WINDOWED_METRICS:
        return windowed(metric, found or {})
    components = dict.fromkeys(CALL_COMPONENTS, 0.0) | (found or {})
    return Reading(evaluate((metric,), components, ask.sl_formula)[metric], offered(components))


def windowed(metric: str, sums: dict[str, float]) -> Reading:
    """A read-time source's KPI over the window; the volume is the component
    `WINDOWED_METRICS` names (÷ its unit), so a rule's `min_volume` asks for enough behind it."""
    components = dict.fromkeys(SOURCES[KPIS[metric].source].names, 0.0) | sums
    volume, unit = WINDOWED_METRICS[metric]
    value = evaluate((metric,), components, "abandoned_negative")[metric]
    return Reading(value, int(components[volume] // unit))


def _arrays(queues: QueuesOf) -> tuple[list[int], list[int]]:
    """Return the clients and the queues of `queues`, as the batched readers take them."""
    return list(queues), [q for ids in queues.values() for q in ids]


def _pairs(queues: QueuesOf) -> tuple[list[int], list[int]]:
    """Return each queue's client and the queues, position by position (`unnest` pairs)."""
    return [c for c, ids in queues.items() for _ in ids], [
        q for ids in queues.values() for q in ids
    ]


def _sums(source: Source, components: Sequence[str]) -> Callable[..., dict[int, Any]]:
    """Return the reader of a source's components per queue over a window."""

    def read(pg: Connection, window: timedelta, queues: QueuesOf, now: datetime, *_: Any) -> Any:
        scope = queries.Window(*_arrays(queues), now - window)
        interval = get_settings().interval_minutes
        return queries.sums_per_queue(pg, source, components, scope, interval)

    return read


def _waiting(
    pg: Connection, _: timedelta, queues: QueuesOf, now: datetime, horizon_s: int, *__: Any
) -> Any:
    """Read the calls waiting now (and the oldest one's arrival) per queue."""
    clients, ids = _pairs(queues)
    moments = [now] * len(ids)
    keys = queries.QueueDays(clients, ids, moments, moments)
    return queries.waiting_calls(pg, keys, horizon_s)


def _surges(
    pg: Connection, window: timedelta, queues: QueuesOf, now: datetime, _: int, aht_s: float
) -> dict[int, Reading]:
    """Read the surge per queue."""
    return surges(pg, window, queues, now, aht_s)


def surges(
    pg: Connection, window: timedelta, queues: QueuesOf, now: datetime, aht_s: float
) -> dict[int, Reading]:
    """Return per queue: offered in the window ÷ what CallPulse's own forecast expected in it
    (or ÷ the same window on recent weeks, or ÷ the agents' capacity).

    The forecast's offered calls of the intervals the window overlaps are pro-rated to it
    (`app.forecasting`): it already weighs the recent weeks toward the newest and leaves
    holidays out. Without a forecast of every such interval (or one of no calls), the
    baseline is the same window's mean over the last `SURGE_WEEKS` weeks; without history,
    what the agents on the phones can take at 85 % occupancy and the typical AHT: surge > 1
    means more calls than they can answer. The window and the same window of the recent
    weeks are counted in one statement, for every queue; each later step reads all the
    queues still without a baseline at once.
    """
    clients, ids = _arrays(queues)
    weeks = [timedelta(weeks=w) for w in range(SURGE_WEEKS + 1)]  # this week's, then back
    current, *past = queries.offered_in(
        pg, clients, ids, [(now - window - back, now - back) for back in weeks]
    )
    minutes = get_settings().interval_minutes
    expected = own_expected(pg, clients, ids, now - window, now, minutes)
    baselines = {q: e for q, e in expected.items() if e}
    rest = [q for q in ids if q not in baselines]
    history = {q: sum(week.get(q, 0) for week in past) for q in rest}
    baselines |= {q: history[q] / SURGE_WEEKS for q in rest if history[q]}
    rest = [q for q in rest if q not in baselines]
    on_phones = queries.agents_on_phones(pg, *_pairs(_only(queues, rest))) if rest else {}
    for queue_id in rest:
        capacity = on_phones.get(queue_id, 0) * TARGET_OCCUPANCY * window.total_seconds() / aht_s
        if capacity > 0:
            baselines[queue_id] = capacity
    readings = {}
    for queue_id in ids:
        calls = current.get(queue_id, 0)
        if queue_id in baselines:
            readings[queue_id] = Reading(calls / baselines[queue_id], calls)
        else:
            readings[queue_id] = Reading(float("inf") if calls else 0.0, calls)
    return readings


def _only(queues: QueuesOf, kept: Sequence[int]) -> dict[int, list[int]]:
    """Return `queues` narrowed to the `kept` ones."""
    keep = set(kept)
    return {c: [q for q in ids if q in keep] for c, ids in queues.items() if keep & set(ids)}


_READERS: dict[str, Callable[..., dict[int, Any]]] = {
    "waiting": _waiting,
    "surge": _surges,
    CALLS.name: _sums(CALLS, CALL_COMPONENTS),
    QA.name: _sums(QA, QA_COMPONENTS),
    **{
        source: _sums(SOURCES[source], SOURCES[source].names)
        for source in {KPIS[metric].source for metric in WINDOWED_METRICS}
    },
}
"""What each group of asks reads: `(pg, window, queues, now, horizon_s, aht_s)` → per queue."""
