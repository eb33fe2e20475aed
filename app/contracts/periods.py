"""The `period` of an SLA report: a month, an ISO week or a day in the client's timezone.

A period runs from local midnight to local midnight, half-open, so a month with a DST change
is an hour shorter or longer. Note that `end - start` on two datetimes in the same zone is
wall-clock time in Python; convert both to UTC to measure the elapsed time.
"""

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from fractions import Fraction
from typing import Literal

from app.core.errors import AppError
from app.kpi.intervals import local_midnight

Kind = Literal["month", "week", "day"]
FORMS = "YYYY-MM (month), YYYY-Www (ISO week) or YYYY-MM-DD (day)"
PATTERN = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$"
    r"|^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"
)
"""The shapes of a period, for the OpenAPI (a day or week may still not exist: 2026-02-30)."""


@dataclass(frozen=True)
class Period:
    """[start, end) between local midnights; `label` is the period as written."""

    kind: Kind
    label: str
    start: datetime
    end: datetime


def required_period(value: str | None) -> str:
    """Return the `period` a request gave, or refuse its absence naming the forms it takes."""
    if not value:
        raise AppError(f"period: required, {FORMS}, e.g. ?period=2026-11")
    return value


def parse_period(value: str, tz: tzinfo) -> Period:
    """Read `2026-11`, `2026-W47` or `2026-11-23` as a period in the client's timezone `tz`."""
    kind, first, following = _dates(value)
    return Period(kind, value, local_midnight(first, tz), local_midnight(following, tz))


def clip(period: Period, valid_from: date, valid_to: date) -> Period | None:
    """Return the part of `period` inside a contract's validity (dates inclusive), or None."""
    tz = period.start.tzinfo
    start = max(period.start, local_midnight(valid_from, tz))
    end = min(period.end, local_midnight(valid_to + timedelta(days=1), tz))
    return replace(period, start=start, end=end) if start < end else None


def days(period: Period) -> list[date]:
    """Return the local dates of the period's days, in order."""
    first, following = period.start.date(), period.end.date()
    return [first + timedelta(days=n) for n in range((following - first).days)]


def day_starts(period: Period) -> list[datetime]:
    """Return each day's local midnight: the lower bounds of the period's days."""
    return [local_midnight(day, period.start.tzinfo) for day in days(period)]


def months(period: Period) -> Fraction:
    """Return the period in months, exactly: Σ over its days of 1 / days in that day's month.

    A whole month is 1, a week in November 7/30, a week across two months a sum of both parts:
    what prorates a monthly price (per seat) to any period.
    """
    return sum(
        (Fraction(1, calendar.monthrange(day.year, day.month)[1]) for day in days(period)),
        Fraction(0),
    )


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
