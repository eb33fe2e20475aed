"""SQL of forecast ingest: upsert one stats interval of one queue's forecast by one source.

Runs on the raw psycopg connection of the caller's transaction; commits nothing.
"""

from datetime import datetime
from typing import NamedTuple

from psycopg import Connection


class ForecastRow(NamedTuple):
    """One stored forecast interval: its key, then its values."""

    client_id: int
    queue_id: int
    source: str
    interval_start: datetime
    offered: float
    aht_s: float | None
    required_agents: float | None


# A changed forecast replaces the stored one and is received again (`received_at`: the
# latest received of several WFM sources counts); an identical one changes nothing.
_UPSERT = (
    "INSERT INTO forecasts (client_id, queue_id, source, interval_start, offered, aht_s,"
    " required_agents) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (client_id, queue_id, source, interval_start) DO UPDATE SET"
    " offered = EXCLUDED.offered, aht_s = EXCLUDED.aht_s,"
    " required_agents = EXCLUDED.required_agents, received_at = EXCLUDED.received_at"
    " WHERE (forecasts.offered, forecasts.aht_s, forecasts.required_agents)"
    " IS DISTINCT FROM (EXCLUDED.offered, EXCLUDED.aht_s, EXCLUDED.required_agents)"
    " RETURNING 1"
)


def upsert(pg: Connection, row: ForecastRow) -> bool:
    """Write one forecast interval; return False when the stored one is the same (a replay)."""
    return pg.execute(_UPSERT, list(row)).fetchone() is not None
