"""SQL read at scrape time: how far aggregation lags behind ingest."""

from dataclasses import dataclass

from psycopg import Connection


@dataclass(frozen=True)
class Backlog:
    """Dirty-interval markers waiting for a pass, and the age of the oldest one."""

    markers: int
    oldest_age_s: float


def aggregation_backlog(pg: Connection) -> Backlog:
    """Count the pending markers and return the oldest one's age (0 when none)."""
    pg.execute("SET LOCAL statement_timeout = '2s'")  # a slow scrape must not pile up
    row = pg.execute(
        "SELECT count(*), coalesce(extract(epoch FROM now() - min(marked_at)), 0)"
        " FROM dirty_intervals"
    ).fetchone()
    assert row is not None
    return Backlog(int(row[0]), max(0.0, float(row[1])))
