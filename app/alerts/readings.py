"""A rule's metric over its rolling window, read from raw data (not the interval stats)."""

from datetime import datetime, timedelta

from psycopg import Connection

from app.alerts.evaluator import Reading
from app.core.vocabulary import ON_PHONE_STATES
from app.kpi import queries
from app.kpi.definitions import CALL_COMPONENTS, evaluate, offered
from app.kpi.sources import CALLS

SURGE_WEEKS = 4
TARGET_OCCUPANCY = 0.85


def read(
    pg: Connection,
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
    sums = queries.sums_per_queue(
        pg, CALLS, CALL_COMPONENTS, queries.Window([client_id], [queue_id], now - window)
    )
    components = sums.get(queue_id, dict.fromkeys(CALL_COMPONENTS, 0.0))
    return Reading(evaluate((metric,), components, sl_formula)[metric], offered(components))


def surge(
    pg: Connection, window: timedelta, client_id: int, queue_id: int, now: datetime, aht_s: float
) -> Reading:
    """Offered in the window ÷ the same window on recent weeks (or ÷ the agents' capacity).

    Without history, the baseline is what the agents on the phones can take at 85 %
    occupancy and the typical AHT: surge > 1 means more calls than they can answer.
    """

    def offered_in(start: datetime, end: datetime) -> int:
        return queries.offered_between(pg, [client_id], [queue_id], start, end).get(queue_id, 0)

    current = offered_in(now - window, now)
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
