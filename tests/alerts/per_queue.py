"""The oracle: a rule's reading on one queue as the engine read it before batching, one
queue and one statement at a time (each helper given that queue alone)."""

from datetime import datetime, timedelta

from psycopg import Connection

from app.alerts.config import QA_RULE_METRICS, WINDOWED_METRICS
from app.alerts.evaluator import Reading
from app.alerts.readings import SURGE_WEEKS, TARGET_OCCUPANCY, Ask
from app.core.config import get_settings
from app.core.vocabulary import ON_PHONE_STATES
from app.forecasting.model import prorated
from app.forecasting.repository import own_offered
from app.kpi import queries
from app.kpi.definitions import CALL_COMPONENTS, KPIS, QA_COMPONENTS, evaluate, offered
from app.kpi.intervals import grid_floor
from app.kpi.sources import CALLS, QA, SOURCES


def read_one(pg: Connection, ask: Ask, now: datetime, horizon_s: int, aht_s: float) -> Reading:
    """Return the ask's reading from its queue alone."""
    metric, window, client, queue = ask.metric, ask.window, ask.client_id, ask.queue_id
    if metric in ("waiting", "longest_wait_s"):
        keys = queries.QueueDays.one(client, queue, now, now)
        waiting, oldest, _ = queries.waiting_calls(pg, keys, horizon_s).get(queue, (0, None, 0))
        if metric == "waiting":
            return Reading(float(waiting), waiting)
        return Reading((now - oldest).total_seconds() if oldest else 0.0, waiting)
    if metric == "surge":
        return _surge(pg, window, client, queue, now, aht_s)
    scope = queries.Window([client], [queue], now - window)
    if metric in QA_RULE_METRICS:
        qa = dict.fromkeys(QA_COMPONENTS, 0.0) | queries.sums_per_queue(
            pg, QA, QA_COMPONENTS, scope
        ).get(queue, {})
        return Reading(evaluate((metric,), qa, ask.sl_formula)[metric], int(qa["qa_evaluated"]))
    if metric in WINDOWED_METRICS:
        source = SOURCES[KPIS[metric].source]
        volume, unit = WINDOWED_METRICS[metric]
        minutes = get_settings().interval_minutes
        sums = queries.sums_per_queue(pg, source, source.names, scope, minutes).get(queue, {})
        components = dict.fromkeys(source.names, 0.0) | sums
        value = evaluate((metric,), components, "abandoned_negative")[metric]
        return Reading(value, int(components[volume] // unit))
    components = dict.fromkeys(CALL_COMPONENTS, 0.0) | queries.sums_per_queue(
        pg, CALLS, CALL_COMPONENTS, scope
    ).get(queue, {})
    return Reading(evaluate((metric,), components, ask.sl_formula)[metric], offered(components))


def _surge(
    pg: Connection, window: timedelta, client: int, queue: int, now: datetime, aht_s: float
) -> Reading:
    def offered_in(start: datetime, end: datetime) -> int:
        return queries.offered_between(pg, [client], [queue], start, end).get(queue, 0)

    current = offered_in(now - window, now)
    minutes = get_settings().interval_minutes
    first = grid_floor(now - window, minutes)
    forecast = own_offered(pg, client, queue, first, now)
    expected = prorated(forecast, first, now - window, now, timedelta(minutes=minutes))
    if expected:
        return Reading(current / expected, current)
    history = [
        offered_in(now - window - timedelta(weeks=w), now - timedelta(weeks=w))
        for w in range(1, SURGE_WEEKS + 1)
    ]
    if any(history):
        return Reading(current / (sum(history) / SURGE_WEEKS), current)
    agents = queries.latest_agent_states(pg, [client], [queue], None)
    on_phones = sum(1 for a in agents if a[4] in ON_PHONE_STATES)
    capacity = on_phones * TARGET_OCCUPANCY * window.total_seconds() / aht_s
    if capacity <= 0:
        return Reading(float("inf") if current else 0.0, current)
    return Reading(current / capacity, current)
