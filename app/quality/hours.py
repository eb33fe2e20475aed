"""A queue's service hours (`queues[].hours`): check and normalise them, list open intervals.

In the YAML, keys are days (`mon` … `sun`) or forward ranges of days (`mon-fri`), values one
or more `HH:MM-HH:MM` ranges, comma-separated, in the client's timezone (`24:00` ends the
day): `{mon-fri: "08:00-12:00, 13:00-20:00", sat: "09:00-17:00"}`. Days not named are
closed; a queue without `hours` is always open. Stored normalised, one key per open day in
week order (`{"mon": ["08:00-12:00", "13:00-20:00"], …}`), so `apply` is idempotent.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from app.core.grid import GRID_ORIGIN

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Hours = dict[str, list[str]]
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def normalise_hours(spec: dict[str, str | list[str]]) -> Hours:
    """Return the hours as stored; raise ValueError naming the key and what is wrong."""
    if not spec:
        raise ValueError(
            'give at least one day, e.g. {mon-fri: "08:00-20:00"}, or leave'
            " `hours` out for a queue that is always open"
        )
    by_day: dict[str, list[tuple[int, int]]] = {}
    named_by: dict[str, str] = {}
    for key, value in spec.items():
        text = ",".join(value) if isinstance(value, list) else value
        ranges = [_minutes(key, part.strip()) for part in text.split(",")]
        for day in _days(key):
            if day in named_by:
                raise ValueError(f"{key}: {day} is already given by {named_by[day]}")
            named_by[day] = key
            by_day[day] = sorted(ranges)
    for day, ranges in by_day.items():
        for (start, end), (next_start, next_end) in pairwise(ranges):
            if next_start < end:
                raise ValueError(
                    f"{named_by[day]}: {_text(start, end)} and {_text(next_start, next_end)}"
                    " overlap"
                )
    return {day: [_text(*r) for r in by_day[day]] for day in DAYS if day in by_day}


def _days(key: str) -> list[str]:
    """Return the days a key names: `mon`, or a forward range `mon-fri`."""
    first, _, last = key.strip().lower().partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise ValueError(f"{key}: not a day or a range of days; use {', '.join(DAYS)}, or mon-fri")
    if not last:
        return [first]
    if DAYS.index(last) < DAYS.index(first):
        raise ValueError(f"{key}: a range of days runs forward, from mon to sun (e.g. mon-fri)")
    return list(DAYS[DAYS.index(first) : DAYS.index(last) + 1])


def _minutes(key: str, text: str) -> tuple[int, int]:
    """Return a `HH:MM-HH:MM` range as minutes after midnight, start before end."""
    match = _RANGE.match(text.replace(" ", ""))
    if not match:
        raise ValueError(f"{key}: {text!r} is not a time range like 08:00-20:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"{key}: {text!r} is not a time of day (00:00 to 24:00)")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise ValueError(
            f"{key}: {text!r} ends before it starts; a range crossing midnight is two,"
            " e.g. 22:00-24:00 on one day and 00:00-06:00 on the next"
        )
    return start, end


def _text(start: int, end: int) -> str:
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def open_intervals(
    hours: Hours | None, day: date, tz: ZoneInfo, interval_minutes: int
) -> list[datetime]:
    """Return the UTC starts of the grid intervals wholly inside the hours of a local day.

    Each range's local ends are placed on that day's own UTC offset(s), so a day with a
    DST change has its true length (an always-open spring-forward day has one hour less).
    """
    step = timedelta(minutes=interval_minutes)
    ranges = (
        [(0, 24 * 60)]
        if hours is None
        else [_minutes(DAYS[day.weekday()], r) for r in hours.get(DAYS[day.weekday()], [])]
    )
    starts: list[datetime] = []
    for start, end in ranges:
        lo, hi = _instant(day, start, tz), _instant(day, end, tz)
        cursor = GRID_ORIGIN + -((GRID_ORIGIN - lo) // step) * step  # the first grid point ≥ lo
        while cursor + step <= hi:
            starts.append(cursor)
            cursor += step
    return starts


def _instant(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """Return the UTC instant of a local wall time on `day` (24:00 = the next midnight)."""
    local_day = day + timedelta(days=minutes // (24 * 60))
    wall = datetime.combine(local_day, time(minutes % (24 * 60) // 60, minutes % 60), tz)
    return wall.astimezone(UTC)
