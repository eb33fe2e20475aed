"""Buckets in the client's timezone: parse `from`/`to`, and list the buckets between them.

Intervals sit on a UTC grid (`interval_minutes`). Hours are local wall-clock hours but keyed
by their UTC start, so the repeated hour of a DST fall-back stays two buckets; days, weeks
(ISO, Monday) and months start at local midnight.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from app.core.errors import AppError
from app.core.grid import GRID_ORIGIN

GRANULARITIES = ("interval", "hour", "day", "week", "month")


@dataclass(frozen=True)
class Bucket:
    """One period of a series: its key in SQL results, and its start and end instants."""

    key: datetime | date
    start: datetime
    end: datetime


def local_midnight(day: date, tz: tzinfo | None) -> datetime:
    """Return the instant a local day begins in `tz` (midnight; wall time if tz is None)."""
    return datetime.combine(day, time(), tz)


def parse_bound(value: str, tz: ZoneInfo, name: str) -> datetime:
    """Read an ISO date (local midnight in `tz`) or an RFC 3339 timestamp with offset."""
    try:
        if len(value) == 10:
            return local_midnight(date.fromisoformat(value), tz)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise AppError(
            f"{name}: {value!r} is neither a date (2026-11-01) nor an RFC 3339"
            " timestamp (2026-11-01T08:00:00+08:00)"
        ) from exc
    if moment.tzinfo is None:
        raise AppError(f"{name}: {value!r} needs a UTC offset, or give a plain date")
    return moment


def requested_range(start: str | None, end: str | None, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Read a read route's `from`/`to` (default: today so far in `tz`)."""
    now = datetime.now(tz)
    lo = parse_bound(start, tz, "from") if start else local_midnight(now.date(), tz)
    return lo, parse_bound(end, tz, "to") if end else now


def _local_start(moment: datetime, granularity: str, tz: ZoneInfo) -> date:
    local = moment.astimezone(tz).date()
    if granularity == "week":
        return local - timedelta(days=local.weekday())
    if granularity == "month":
        return local.replace(day=1)
    return local


def _next_local(day: date, granularity: str) -> date:
    if granularity == "day":
        return day + timedelta(days=1)
    if granularity == "week":
        return day + timedelta(days=7)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def buckets(
    start: datetime, end: datetime, granularity: str, tz: ZoneInfo, interval_minutes: int
) -> list[Bucket]:
    """Return the buckets covering `[start, end)`, each labelled by its local start."""
    return list(iter_buckets(start, end, granularity, tz, interval_minutes))


def iter_buckets(
    start: datetime, end: datetime, granularity: str, tz: ZoneInfo, interval_minutes: int
) -> Iterator[Bucket]:
    """Yield the buckets covering `[start, end)` one by one (see `span` for how many)."""
    _check(start, end, granularity)
    if granularity in ("interval", "hour"):
        step = _step(granularity, interval_minutes)
        cursor = utc_floor(start, step, tz if granularity == "hour" else UTC)
        while cursor < end:
            yield Bucket(cursor, cursor.astimezone(tz), (cursor + step).astimezone(tz))
            cursor += step
        return
    day = _local_start(start, granularity, tz)
    while (begin := local_midnight(day, tz)) < end:
        following = _next_local(day, granularity)
        yield Bucket(day, begin, local_midnight(following, tz))
        day = following


@dataclass(frozen=True)
class Span:
    """The buckets covering a range, without listing them: how many, where they start and end."""

    count: int
    start: datetime
    end: datetime


def span(
    start: datetime, end: datetime, granularity: str, tz: ZoneInfo, interval_minutes: int
) -> Span:
    """Return how many buckets cover `[start, end)` and their outer edges, by arithmetic.

    What `/v1/metrics` weighs before reading anything: the count costs the same for a day
    as for a century.
    """
    _check(start, end, granularity)
    if granularity in ("interval", "hour"):
        step = _step(granularity, interval_minutes)
        first = utc_floor(start, step, tz if granularity == "hour" else UTC)
        count = -((first - end) // step)
        return Span(count, first.astimezone(tz), (first + count * step).astimezone(tz))
    first_day = _local_start(start, granularity, tz)
    last_day = _local_start(end - timedelta(microseconds=1), granularity, tz)
    if granularity == "day":
        count = (last_day - first_day).days + 1
    elif granularity == "week":
        count = (last_day - first_day).days // 7 + 1
    else:
        count = (last_day.year - first_day.year) * 12 + last_day.month - first_day.month + 1
    after = _next_local(last_day, granularity)
    return Span(count, local_midnight(first_day, tz), local_midnight(after, tz))


def _check(start: datetime, end: datetime, granularity: str) -> None:
    if granularity not in GRANULARITIES:
        raise AppError(f"granularity: use one of {', '.join(GRANULARITIES)}")
    if end <= start:
        raise AppError("to: must be after from")


def _step(granularity: str, interval_minutes: int) -> timedelta:
    return timedelta(minutes=interval_minutes if granularity == "interval" else 60)


def grid_floor(moment: datetime, minutes: int) -> datetime:
    """Return the start of the stats interval holding `moment` (SQL: `date_bin`)."""
    step = timedelta(minutes=minutes)
    return GRID_ORIGIN + (moment - GRID_ORIGIN) // step * step


def utc_floor(moment: datetime, step: timedelta, tz: tzinfo) -> datetime:
    """Floor `moment` to a multiple of `step` on the wall clock of `tz`, as a UTC instant."""
    local = moment.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = (local - midnight) // step * step
    return (local - (local - midnight - offset)).astimezone(UTC)
