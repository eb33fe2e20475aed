"""All SQL of feed quality: the day counters, calls never ended, and intervals with calls."""

from collections.abc import Sequence
from datetime import date, datetime

from psycopg import Connection

from app.core.grid import GRID_ORIGIN_SQL
from app.core.pgarray import array_literal

Counter = tuple[int | None, int, date, str, int]  # client, vendor, day, measure, n


def day_counters(
    pg: Connection,
    feeds: Sequence[tuple[int | None, int]],
    first: date,
    end: date,
    kind: str | None,
) -> list[Counter]:
    """Return the counters of `(client, vendor)` feeds (client None: counted under no client)
    on days in `[first, end)`, summed over kinds (one kind when given); `late_max` is the
    largest over kinds."""
    if not feeds:
        return []
    clients, vendors = zip(*feeds, strict=True)
    return pg.execute(
        "SELECT f.client_id, f.vendor_id, f.day, f.measure,"
        " CASE WHEN f.measure = 'late_max' THEN max(f.n) ELSE sum(f.n) END::bigint"
        " FROM unnest(%(clients)s::int[], %(vendors)s::int[]) AS p(client_id, vendor_id)"
        " JOIN feed_quality_counts f ON f.vendor_id = p.vendor_id"
        " AND (f.client_id = p.client_id OR (p.client_id IS NULL AND f.client_id IS NULL))"
        " WHERE f.day >= %(first)s AND f.day < %(end)s"
        " AND (%(kind)s::text IS NULL OR f.kind = %(kind)s::text)"
        " GROUP BY f.client_id, f.vendor_id, f.day, f.measure",
        {
            "clients": array_literal(clients),
            "vendors": array_literal(vendors),
            "first": first,
            "end": end,
            "kind": kind,
        },
    ).fetchall()


class QueueRange:
    """Queues of vendors' feeds, each over its client's local range: arrays for `unnest`."""

    def __init__(self) -> None:
        self.columns: tuple[list[object], ...] = ([], [], [], [], [], [])

    def add(
        self, client_id: int, queue_id: int, vendor_id: int, tz: str, lo: datetime, hi: datetime
    ) -> None:
        """Add one queue of one vendor's feed, read over `[lo, hi)` in timezone `tz`."""
        for column, value in zip(
            self.columns, (client_id, queue_id, vendor_id, tz, lo, hi), strict=True
        ):
            column.append(value)

    def params(self, **extra: object) -> dict[str, object]:
        """Return the statement parameters, arrays as literals."""
        names = ("clients", "queues", "vendors", "zones", "los", "his")
        return {n: array_literal(c) for n, c in zip(names, self.columns, strict=True)} | extra

    def __bool__(self) -> bool:
        return bool(self.columns[0])


RANGES = (
    "unnest(%(clients)s::int[], %(queues)s::int[], %(vendors)s::int[], %(zones)s::text[],"
    " %(los)s::timestamptz[], %(his)s::timestamptz[]) AS p(client_id, queue_id, vendor_id, tz,"
    " lo, hi)"
)


def unended_calls(
    pg: Connection, ranges: QueueRange, horizon_s: int
) -> list[tuple[int, int, date, int]]:
    """Return per (client, vendor, local day offered) the calls still without an end more
    than `horizon_s` after their offer (their end never arrived)."""
    if not ranges:
        return []
    return pg.execute(
        "SELECT p.client_id, p.vendor_id, (c.offered_at AT TIME ZONE p.tz)::date, count(*)"
        f" FROM {RANGES} JOIN calls c ON c.client_id = p.client_id AND c.queue_id = p.queue_id"
        " AND c.offered_at >= p.lo AND c.offered_at < least(p.hi, now() - %(h)s::interval)"
        " WHERE c.vendor_id = p.vendor_id AND c.ended_at IS NULL"
        " GROUP BY 1, 2, 3",
        ranges.params(h=f"{horizon_s} seconds"),
    ).fetchall()


def intervals_with_calls(
    pg: Connection, ranges: QueueRange, interval_minutes: int
) -> set[tuple[int, int, datetime]]:
    """Return the (queue, vendor, interval start) that had a call offered by that vendor."""
    if not ranges:
        return set()
    rows = pg.execute(
        "SELECT DISTINCT p.queue_id, p.vendor_id,"
        f" date_bin(%(iv)s::interval, c.offered_at, {GRID_ORIGIN_SQL})"
        f" FROM {RANGES} JOIN calls c ON c.client_id = p.client_id AND c.queue_id = p.queue_id"
        " AND c.offered_at >= p.lo AND c.offered_at < p.hi WHERE c.vendor_id = p.vendor_id",
        ranges.params(iv=f"{interval_minutes} minutes"),
    )
    return {(queue, vendor, start) for queue, vendor, start in rows}
