"""A rule's metric over its rolling window, read from raw data (not the interval stats)."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from psycopg import Connection
from sqlalchemy.orm import Session

from app.alerts.config import QA_RULE_METRICS, WINDOWED_METRICS
from app.alerts.evaluator import Reading
from app.core.config import get_settings
from app.core.vocabulary import ON_PHONE_STATES
from app.forecasting.service import own_expected
from app.kpi import queries
from app.kpi.definitions import CALL_COMPONENTS, KPIS, QA_COMPONENTS, evaluate, offered
from app.kpi.sources import CALLS, QA, SOURCES


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


class WindowSums:
    """Call (and QA) components per queue over rolling windows ending `now`, read once per
    client and window length for all its `queues`: every rule on every queue of one evaluation
    shares them, so a busy floor costs one scan of its recent calls, not one per rule and
    queue."""

    def __init__(self, pg: Connection, now: datetime, queues: dict[int, list[int]]) -> None:
        self.pg, self.now, self.queues = pg, now, queues
        self.found: dict[tuple[int, timedelta], dict[int, dict[str, float]]] = {}
        self.qa_found: dict[tuple[int, timedelta], dict[int, dict[str, float]]] = {}

    def of(self, client_id: int, queue_id: int, window: timedelta) -> dict[str, float]:
        """Return the queue's components over `[now − window, now)`."""
        key = (client_id, window)
        if key not in self.found:
            scope = queries.Window([client_id], self.queues[client_id], self.now - window)
            self.found[key] = queries.sums_per_queue(self.pg, CALLS, CALL_COMPONENTS, scope)
        return self.found[key].get(queue_id, dict.fromkeys(CALL_COMPONENTS, 0.0))

    def qa_of(self, client_id: int, queue_id: int, window: timedelta) -> dict[str, float]:
        """Return the queue's QA evaluation components over `[now − window, now)`."""
        key = (client_id, window)
        if key not in self.qa_found:
            scope = queries.Window([client_id], self.queues[client_id], self.now - window)
            self.qa_found[key] = queries.sums_per_queue(self.pg, QA, QA_COMPONENTS, scope)
        return self.qa_found[key].get(queue_id, dict.fromkeys(QA_COMPONENTS, 0.0))


def read(
    pg: Connection,
    sums: WindowSums,
    metric: str,
    window: timedelta,
    client_id: int,
    queue_id: int,
    sl_formula: str,
    now: datetime,
    horizon_s: int,
    aht_s: float,
) -> Reading:
    """Return the metric over `[now − window, now)` and the volume (calls) behind it."""
    if metric in ("waiting", "longest_wait_s"):
        keys = queries.QueueDays.one(client_id, queue_id, now, now)
        waiting, oldest, _ = queries.waiting_calls(pg, keys, horizon_s).get(queue_id, (0, None, 0))
        if metric == "waiting":
            return Reading(float(waiting), waiting)
        return Reading((now - oldest).total_seconds() if oldest else 0.0, waiting)
    if metric == "surge":
        return surge(pg, window, client_id, queue_id, now, aht_s)
    if metric in QA_RULE_METRICS:  # evaluations by evaluated_at; the volume is evaluations
        qa = sums.qa_of(client_id, queue_id, window)
        return Reading(evaluate((metric,), qa, sl_formula)[metric], int(qa["qa_evaluated"]))
    if metric in WINDOWED_METRICS:
        return windowed(pg, metric, window, client_id, queue_id, now)
    components = sums.of(client_id, queue_id, window)
    return Reading(evaluate((metric,), components, sl_formula)[metric], offered(components))


def surge(
    pg: Connection, window: timedelta, client_id: int, queue_id: int, now: datetime, aht_s: float
) -> Reading:
    """Offered in the window ÷ what CallPulse's own forecast expected in it (or ÷ the same
    window on recent weeks, or ÷ the agents' capacity).

    The forecast's offered calls of the intervals the window overlaps are pro-rated to it
    (`app.forecasting`): it already weighs the recent weeks toward the newest and leaves
    holidays out. Without a forecast of every such interval (or one of no calls), the
    baseline is the same window's mean over the last `SURGE_WEEKS` weeks; without history,
    what the agents on the phones can take at 85 % occupancy and the typical AHT: surge > 1
    means more calls than they can answer.
    """

    def offered_in(start: datetime, end: datetime) -> int:
        return queries.offered_between(pg, [client_id], [queue_id], start, end).get(queue_id, 0)

    current = offered_in(now - window, now)
    minutes = get_settings().interval_minutes
    expected = own_expected(pg, client_id, queue_id, now - window, now, minutes)
    if expected:
        return Reading(current / expected, current)
    history = [
        offered_in(now - window - timedelta(weeks=w), now - timedelta(weeks=w))
        for w in range(1, SURGE_WEEKS + 1)
    ]
    if any(history):
        return Reading(current / (sum(history) / SURGE_WEEKS), current)
    agents = queries.latest_agent_states(pg, [client_id], [queue_id], None)
    on_phones = sum(1 for a in agents if a[4] in ON_PHONE_STATES)
    capacity = on_phones * TARGET_OCCUPANCY * window.total_seconds() / aht_s
    if capacity <= 0:
        return Reading(float("inf") if current else 0.0, current)
    return Reading(current / capacity, current)


def windowed(
    pg: Connection, metric: str, window: timedelta, client_id: int, queue_id: int, now: datetime
) -> Reading:
    """A read-time source's KPI over `[now − window, now)`; the volume is the component
    `WINDOWED_METRICS` names (÷ its unit), so a rule's `min_volume` asks for enough behind it."""
    source = SOURCES[KPIS[metric].source]
    volume, unit = WINDOWED_METRICS[metric]
    scope = queries.Window([client_id], [queue_id], now - window)
    interval = get_settings().interval_minutes
    sums = queries.sums_per_queue(pg, source, source.names, scope, interval).get(queue_id, {})
    components = dict.fromkeys(source.names, 0.0) | sums
    value = evaluate((metric,), components, "abandoned_negative")[metric]
    return Reading(value, int(components[volume] // unit))
