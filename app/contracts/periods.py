"""The `period` of an SLA report: a month, an ISO week or a day in the client's timezone.

A period runs from local midnight to local midnight, half-open, so a month with a DST change
is an hour shorter or longer. Note that `end - start` on two datetimes in the same zone is
wall-clock time in Python; convert both to UTC to measure the elapsed time.
"""

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

Kind = Literal["month", "week", "day"]
FORMS = "YYYY-MM (month), YYYY-Www (ISO week) or YYYY-MM-DD (day)"


@dataclass(frozen=True)
class Period:
    """[start, end) between local midnights; `label` is the period as written."""

    kind: Kind
    label: str
    start: datetime
    end: datetime


def parse_period(value: str, tz: tzinfo) -> Period:
    """Read `2026-11`, `2026-W47` or `2026-11-23` as a period in the client's timezone `tz`."""
    kind, first, following = _dates(value)
    return Period(kind, value, _midnight(first, tz), _midnight(following, tz))


def clip(period: Period, valid_from: date, valid_to: date) -> Period | None:
    """Return the part of `period` inside a contract's validity (dates inclusive), or None."""
    tz = period.start.tzinfo
    start = max(period.start, _midnight(valid_from, tz))
    end = min(period.end, _midnight(valid_to + timedelta(days=1), tz))
    return replace(period, start=start, end=end) if start < end else None


def _dates(value: str) -> tuple[Kind, date, date]:
    """Return the kind, first day and the day after the last day of the period."""
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}", value):
            first = date.fromisoformat(f"{value}-01")
            return "month", first, (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        if match := re.fullmatch(r"([0-9]{4})-W([0-9]{2})", value):
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
            return "week", monday, monday + timedelta(days=7)
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            day = date.fromisoformat(value)
            return "day", day, day + timedelta(days=1)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"period: {value!r} does not exist ({exc})") from exc
    raise ValueError(f"period: {value!r} is not {FORMS}, e.g. 2026-11, 2026-W47 or 2026-11-23")


def _midnight(day: date, tz: tzinfo | None) -> datetime:
    return datetime.combine(day, time(), tz)
