"""Feed quality per vendor and local day (`GET /v1/feeds/quality`), and over an SLA period.

Three sources, each put in the client's local day it belongs to:
- the ingest counters (`app.quality.measures`), by the day the records were *received*;
- calls still without an end `waiting_horizon_s` after their offer, by the day *offered*;
- silent intervals: grid intervals wholly inside a queue's service hours (`app.quality.hours`)
  that have ended, in which the vendor sent no call offered in that queue, by the
  interval's day.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from psycopg import Connection
from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.access.scope import FeedScope, feed_scopes, sees_unattributed
from app.core.config import Settings
from app.core.db import driver_connection
from app.core.errors import AppError, NotFound
from app.kpi.intervals import local_midnight
from app.quality import repository
from app.quality.hours import open_intervals
from app.quality.measures import LATENESS_RESOLUTION, figures, merge


def day_rows(
    pg: Connection,
    feeds: Sequence[FeedScope],
    unattributed: Sequence[int],
    first: date,
    end: date,
    *,
    kind: str | None,
    interval_minutes: int,
    horizon_s: int,
    now: datetime,
) -> list[dict[str, Any]]:
    """Return one row per feed and day in `[first, end)`, days without data included, then
    the days of `unattributed` vendors' records counted under no client (UTC days)."""
    pairs = [(f.client_id, f.vendor_id) for f in feeds] + [(None, v) for v in unattributed]
    counters: dict[tuple[int | None, int, date], list[tuple[str, int]]] = defaultdict(list)
    for client, vendor, day, measure, n in repository.day_counters(pg, pairs, first, end, kind):
        counters[client, vendor, day].append((measure, n))
    ranges = repository.QueueRange()
    for feed in feeds:
        lo, hi = (local_midnight(d, feed.timezone) for d in (first, end))
        for queue in feed.queues:
            ranges.add(feed.client_id, queue.id, feed.vendor_id, str(feed.timezone), lo, hi)
    unended = {
        (client, vendor, day): n
        for client, vendor, day, n in repository.unended_calls(pg, ranges, horizon_s)
    }
    with_calls = repository.intervals_with_calls(pg, ranges, interval_minutes)
    rows = []
    for feed in feeds:
        for day in _days(first, end):
            silent = silent_intervals(feed, day, with_calls, interval_minutes, now)
            rows.append(
                {
                    "client": feed.client_code,
                    "vendor": feed.vendor_code,
                    "date": day.isoformat(),
                    "timezone": str(feed.timezone),
                    **figures(merge(counters.get((feed.client_id, feed.vendor_id, day), []))),
                    "unended_calls": unended.get((feed.client_id, feed.vendor_id, day), 0),
                    **silent,
                }
            )
    codes = {f.vendor_id: f.vendor_code for f in feeds}
    for (client, vendor, day), measures in sorted(counters.items(), key=str):
        if client is None:
            rows.append(
                {"client": None, "vendor": codes.get(vendor), "date": day.isoformat()}
                | {"timezone": "UTC", **figures(merge(measures))}
            )
    return rows


def silent_intervals(
    feed: FeedScope,
    day: date,
    with_calls: set[tuple[int, int, datetime]],
    interval_minutes: int,
    now: datetime,
) -> dict[str, Any]:
    """Return a feed's service intervals of a local day that have ended, and those of them
    without a call from the vendor, in all and per queue."""
    step = timedelta(minutes=interval_minutes)
    service = silent = 0
    by_queue: dict[str, int] = {}
    for queue in feed.queues:
        ended = [
            start
            for start in open_intervals(queue.hours, day, feed.timezone, interval_minutes)
            if start + step <= now
        ]
        quiet = sum((queue.id, feed.vendor_id, start) not in with_calls for start in ended)
        service += len(ended)
        silent += quiet
        if quiet:
            by_queue[queue.code] = quiet
    return {"service_intervals": service, "silent_intervals": silent, "silent_by_queue": by_queue}


def period_quality(
    pg: Connection,
    feed: FeedScope,
    first: date,
    end: date,
    *,
    interval_minutes: int,
    horizon_s: int,
) -> dict[str, Any]:
    """Return one feed's quality summed over the local days `[first, end)` (an SLA period)."""
    days = day_rows(
        pg,
        [feed],
        [],
        first,
        end,
        kind=None,
        interval_minutes=interval_minutes,
        horizon_s=horizon_s,
        now=datetime.now(UTC),
    )
    counters = repository.day_counters(pg, [(feed.client_id, feed.vendor_id)], first, end, None)
    total = figures(merge((measure, n) for *_, measure, n in counters))
    by_queue: dict[str, int] = defaultdict(int)
    for row in days:
        for queue, n in row["silent_by_queue"].items():
            by_queue[queue] += n
    return {
        "vendor": feed.vendor_code,
        **total,
        "unended_calls": sum(row["unended_calls"] for row in days),
        "service_intervals": sum(row["service_intervals"] for row in days),
        "silent_intervals": sum(row["silent_intervals"] for row in days),
        "silent_by_queue": dict(by_queue),
    }


def _days(first: date, end: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((end - first).days)]


def feed_quality(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    client: str | None,
    vendor: str | None,
    first: date,
    end: date,
    kind: str | None,
) -> dict[str, Any]:
    """Return the quality rows of the feeds the key may see, limited to a client, a vendor
    or both; codes the key may not see answer 404 as if they did not exist."""
    feeds = feed_scopes(session, principal)
    if client is not None:
        feeds = [f for f in feeds if f.client_code == client]
        if not feeds:
            raise NotFound(f"client: unknown client {client!r}")
    if vendor is not None:
        feeds = [f for f in feeds if f.vendor_code == vendor]
        if not feeds:
            known = f" serving client {client!r}" if client else ""
            raise NotFound(f"vendor: unknown vendor {vendor!r}{known}")
    days = (end - first).days
    cells = days * sum(len(f.queues) for f in feeds)
    if days * len(feeds) > settings.max_metric_rows or cells > settings.max_metric_rows:
        raise AppError(
            f"to: {days:,} days × {len(feeds):,} feeds ({cells:,} queue-days) is above the bound"
            f" of {settings.max_metric_rows:,} (CALLPULSE_MAX_METRIC_ROWS); give a shorter"
            " range (from/to), or name one client and one vendor"
        )
    vendors = sorted({f.vendor_id for f in feeds})
    unattributed = [] if client else [v for v in vendors if sees_unattributed(principal, v)]
    rows = day_rows(
        driver_connection(session),
        feeds,
        unattributed,
        first,
        end,
        kind=kind,
        interval_minutes=settings.interval_minutes,
        horizon_s=settings.waiting_horizon_s,
        now=datetime.now(UTC),
    )
    return {
        "from": first.isoformat(),
        "to": end.isoformat(),
        "kind": kind,
        "interval_minutes": settings.interval_minutes,
        "waiting_horizon_s": settings.waiting_horizon_s,
        "lateness_resolution": LATENESS_RESOLUTION,
        "rows": rows,
    }
