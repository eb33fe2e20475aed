"""SQL read at scrape time: how far aggregation lags behind ingest."""

from dataclasses import dataclass

from psycopg import Connection


@dataclass(frozen=True)
class Backlog:
    """Dirty-interval markers waiting for a pass, and the age of the oldest marker or
    logged stats change."""

    markers: int
    oldest_age_s: float


def aggregation_backlog(pg: Connection) -> Backlog:
    """Count the pending markers; return the age of the oldest marker or change (0: none)."""
    pg.execute("SET LOCAL statement_timeout = '2s'")  # a slow scrape must not pile up
    row = pg.execute(
        "SELECT (SELECT count(*) FROM dirty_intervals), coalesce(extract(epoch FROM now()"
        " - least((SELECT min(marked_at) FROM dirty_intervals),"
        " (SELECT min(logged_at) FROM stats_changes))), 0)"
    ).fetchone()
    assert row is not None
    return Backlog(int(row[0]), max(0.0, float(row[1])))
