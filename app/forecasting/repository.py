"""SQL of the own forecast: the queues to forecast, stored forecasts, and scheduled agents.

Call history is read through the KPI engine's one stats reader (`app.kpi.queries`), not here.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from psycopg import Connection

from app.core.grid import GRID_ORIGIN_SQL
from app.core.pgarray import array_literal
from app.core.vocabulary import WORK_ACTIVITY
from app.kpi.sources import segment_seconds_in, serves_queue
from app.models.forecasts import OWN_FORECAST_SOURCE


@dataclass(frozen=True)
class ForecastQueue:
    """A queue to forecast: its client's timezone and holidays, and its SL settings."""

    client_id: int
    queue_id: int
    code: str
    timezone: str
    holidays: tuple[date, ...]
    sl_threshold_s: int
    targets: dict[str, dict[str, float]]


@dataclass(frozen=True)
class StoredForecast:
    """One stored forecast row of an interval."""

    source: str
    interval_start: datetime
    offered: float
    aht_s: float | None
    required_agents: float | None


def forecast_queues(pg: Connection, client_id: int | None = None) -> list[ForecastQueue]:
    """Return every queue (of one client, or all) with what its forecast needs."""
    rows = pg.execute(
        "SELECT q.client_id, q.id, q.code, c.timezone, c.holidays, q.sl_threshold_s, q.targets"
        " FROM queues q JOIN clients c ON c.id = q.client_id"
        " WHERE %(client)s::int IS NULL OR q.client_id = %(client)s ORDER BY q.id",
        {"client": client_id},
    ).fetchall()
    return [
        ForecastQueue(client, queue, code, zone, tuple(holidays), threshold, targets)
        for client, queue, code, zone, holidays, threshold, targets in rows
    ]


def client_holidays(pg: Connection, client_id: int) -> tuple[date, ...]:
    """Return a client's holidays."""
    row = pg.execute("SELECT holidays FROM clients WHERE id = %s", [client_id]).fetchone()
    return tuple(row[0]) if row else ()


def store_own(
    pg: Connection,
    client_id: int,
    queue_id: int,
    rows: Sequence[tuple[datetime, float, float | None, float | None]],
) -> None:
    """Upsert the own forecast's `(interval_start, offered, aht_s, required_agents)` rows."""
    with pg.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO forecasts AS f (client_id, queue_id, source, interval_start, offered,"
            " aht_s, required_agents) VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (client_id, queue_id, source, interval_start) DO UPDATE SET"
            " offered = excluded.offered, aht_s = excluded.aht_s,"
            " required_agents = excluded.required_agents, received_at = excluded.received_at"
            " WHERE (f.offered, f.aht_s, f.required_agents) IS DISTINCT FROM"
            " (excluded.offered, excluded.aht_s, excluded.required_agents)",
            [(client_id, queue_id, OWN_FORECAST_SOURCE, *row) for row in rows],
        )


def stored(
    pg: Connection, client_id: int, queue_id: int, lo: datetime, hi: datetime
) -> list[StoredForecast]:
    """Return every source's forecast of the queue's intervals in `[lo, hi)`, the newest
    received first within an interval."""
    rows = pg.execute(
        "SELECT source, interval_start, offered, aht_s, required_agents FROM forecasts"
        " WHERE client_id = %s AND queue_id = %s AND interval_start >= %s AND interval_start < %s"
        " ORDER BY interval_start, received_at DESC, source",
        [client_id, queue_id, lo, hi],
    ).fetchall()
    return [StoredForecast(*row) for row in rows]


def own_offered(
    pg: Connection, client_id: int, queue_id: int, lo: datetime, hi: datetime
) -> dict[datetime, float]:
    """Return the own forecast's offered calls per interval starting in `[lo, hi)`."""
    return own_offered_per_queue(pg, [client_id], [queue_id], lo, hi).get(queue_id, {})


def own_offered_per_queue(
    pg: Connection, clients: Sequence[int], queues: Sequence[int], lo: datetime, hi: datetime
) -> dict[int, dict[datetime, float]]:
    """Return the own forecast's offered calls per interval starting in `[lo, hi)` of many
    queues (of `clients`), in one statement, by queue."""
    rows = pg.execute(
        "SELECT queue_id, interval_start, offered FROM forecasts"
        " WHERE client_id = ANY(%s::int[]) AND queue_id = ANY(%s::int[]) AND source = %s"
        " AND interval_start >= %s AND interval_start < %s",
        [array_literal(clients), array_literal(queues), OWN_FORECAST_SOURCE, lo, hi],
    ).fetchall()
    found: dict[int, dict[datetime, float]] = {}
    for queue_id, start, offered in rows:
        found.setdefault(queue_id, {})[start] = offered
    return found


def scheduled_agents(
    pg: Connection,
    client_id: int,
    queue_id: int,
    vendor_id: int | None,
    lo: datetime,
    hi: datetime,
    interval_minutes: int,
) -> dict[datetime, float]:
    """Return the agents scheduled to work on the queue per interval in `[lo, hi)`: work
    seconds in the interval ÷ its length (two half-interval agents make one), of one
    vendor's agents (None: every vendor's). A segment without queues counts for every queue
    its vendor serves; an interval no work segment touches is absent."""
    params: dict[str, Any] = {
        "iv": f"{interval_minutes} minutes",
        "client": client_id,
        "queue": queue_id,
        "vendor": vendor_id,
        "lo": lo,
        "hi": hi,
        "work": WORK_ACTIVITY,
    }
    rows = pg.execute(
        f"SELECT p.interval_start, sum({segment_seconds_in('p.interval_start')})"
        " / extract(epoch FROM %(iv)s::interval)"
        " FROM schedule_segments sg CROSS JOIN LATERAL generate_series(date_bin(%(iv)s::interval,"
        f" sg.start_at, {GRID_ORIGIN_SQL}), sg.end_at - interval '1 microsecond',"
        " %(iv)s::interval) AS p(interval_start)"
        " WHERE sg.client_id = %(client)s AND sg.activity = %(work)s"
        " AND sg.start_at < %(hi)s AND sg.end_at > %(lo)s"
        " AND p.interval_start >= %(lo)s AND p.interval_start < %(hi)s"
        " AND (%(vendor)s::int IS NULL OR sg.vendor_id = %(vendor)s)"
        f" AND {serves_queue('%(queue)s', 'sg.queue_ids', 'sg.vendor_id')}"
        " GROUP BY 1",
        params,
    ).fetchall()
    return {start: float(agents) for start, agents in rows}
