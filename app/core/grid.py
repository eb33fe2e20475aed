"""The interval grid: every stats interval starts a whole number of intervals after one origin.

The ingest writer marks, the aggregation recomputes and the readers bucket on this grid, in
SQL (`date_bin(interval, t, origin)`) and in Python alike, so both must use the same origin.
"""

from datetime import UTC, datetime

GRID_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
GRID_ORIGIN_SQL = f"TIMESTAMPTZ '{GRID_ORIGIN.isoformat(sep=' ', timespec='minutes')}'"
"""The origin as a SQL literal, for `date_bin`: `TIMESTAMPTZ '2000-01-01 00:00+00:00'`."""
