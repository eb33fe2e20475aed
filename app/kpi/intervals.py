"""Buckets in the client's timezone: parse `from`/`to`, and list the buckets between them.

Intervals sit on a UTC grid (`interval_minutes`). Hours are local wall-clock hours but keyed
by their UTC start, so the repeated hour of a DST fall-back stays two buckets; days, weeks
(ISO, Monday) and months start at local midnight.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from app.core.errors import AppError

GRANULARITIES = ("interval", "hour", "day", "week", "month")
MAX_BUCKETS = 20_000


@dataclass(frozen=True)
class Bucket:
    """One period of a series: its key in SQL results, and its start and end instants."""

    key: datetime | date
    start: datetime
    end: datetime


def parse_bound(value: str, tz: ZoneInfo, name: str) -> datetime:
    """Read an ISO date (local midnight in `tz`) or an RFC 3339 timestamp with offset."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), tz)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise AppError(
            f"{name}: {value!r} is neither a date (2026-11-01) nor an RFC 3339"
            " timestamp (2026-11-01T08:00:00+08:00)"
        ) from exc
    if moment.tzinfo is None:
        raise AppError(f"{name}: {value!r} needs a UTC offset, or give a plain date")
    return moment


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
    if granularity not in GRANULARITIES:
        raise AppError(f"granularity: use one of {', '.join(GRANULARITIES)}")
    if end <= start:
        raise AppError("to: must be after from")
    result: list[Bucket] = []
    if granularity in ("interval", "hour"):
        step = timedelta(minutes=interval_minutes if granularity == "interval" else 60)
        cursor = utc_floor(start, step, tz if granularity == "hour" else UTC)
        while cursor < end:
            result.append(Bucket(cursor, cursor.astimezone(tz), (cursor + step).astimezone(tz)))
            cursor += step
            _guard(result)
        return result
    day = _local_start(start, granularity, tz)
    while (begin := datetime.combine(day, time(), tz)) < end:
        following = _next_local(day, granularity)
        result.append(Bucket(day, begin, datetime.combine(following, time(), tz)))
        day = following
        _guard(result)
    return result


GRID_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)


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


def _guard(result: list[Bucket]) -> None:
    if len(result) > MAX_BUCKETS:
        raise AppError(
            f"more than {MAX_BUCKETS} buckets: choose a coarser granularity or a shorter range"
        )
