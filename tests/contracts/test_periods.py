"""SLA periods in the client's timezone: months, ISO weeks, days, DST, and validity clipping."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from app.contracts.periods import Period, clip, day_starts, days, months, parse_period

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(period: Period) -> tuple[datetime, datetime]:
    """Return the period's bounds as UTC instants."""
    return period.start.astimezone(UTC), period.end.astimezone(UTC)


def hours(period: Period) -> float:
    """Return the elapsed hours (through UTC: same-zone subtraction is wall-clock time)."""
    start, end = utc(period)
    return (end - start) / timedelta(hours=1)


def test_month_in_shanghai_runs_between_local_midnights():
    # 2026-11-01 00:00 +08:00 = 2026-10-31 16:00 UTC; 30 days later, 2026-11-30 16:00 UTC.
    period = parse_period("2026-11", SHANGHAI)
    assert (period.kind, period.label) == ("month", "2026-11")
    assert period.start == datetime(2026, 11, 1, tzinfo=SHANGHAI)
    assert utc(period) == (
        datetime(2026, 10, 31, 16, tzinfo=UTC),
        datetime(2026, 11, 30, 16, tzinfo=UTC),
    )
    assert hours(period) == 30 * 24


def test_december_ends_at_the_next_new_year():
    period = parse_period("2026-12", SHANGHAI)
    assert period.end == datetime(2027, 1, 1, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("month", "expected_hours"),
    [
        ("2026-03", 30 * 24 + 23),  # clocks go forward on Sunday 29 March: 743 h
        ("2026-10", 30 * 24 + 25),  # and back on Sunday 25 October: 745 h
        ("2026-04", 30 * 24),
    ],
)
def test_berlin_months_with_a_dst_change(month, expected_hours):
    period = parse_period(month, BERLIN)
    assert hours(period) == expected_hours
    assert period.start.hour == period.end.hour == 0


def test_berlin_march_starts_at_cet_and_ends_at_cest():
    # 2026-03-01 00:00 CET (+01:00) = 2026-02-28 23:00 UTC; 2026-04-01 00:00 CEST (+02:00) =
    # 2026-03-31 22:00 UTC.
    assert utc(parse_period("2026-03", BERLIN)) == (
        datetime(2026, 2, 28, 23, tzinfo=UTC),
        datetime(2026, 3, 31, 22, tzinfo=UTC),
    )


@pytest.mark.parametrize(("day", "expected_hours"), [("2026-03-29", 23), ("2026-10-25", 25)])
def test_dst_days_in_berlin(day, expected_hours):
    assert hours(parse_period(day, BERLIN)) == expected_hours


def test_a_day_in_shanghai():
    # 2026-11-23 00:00 +08:00 = 2026-11-22 16:00 UTC, for 24 h.
    period = parse_period("2026-11-23", SHANGHAI)
    assert (period.kind, period.label) == ("day", "2026-11-23")
    assert utc(period) == (
        datetime(2026, 11, 22, 16, tzinfo=UTC),
        datetime(2026, 11, 23, 16, tzinfo=UTC),
    )


def test_iso_week_53_of_2026_straddles_new_year():
    # 2026 starts on a Thursday, so it has 53 ISO weeks; W53 is Mon 28 Dec to Sun 3 Jan 2027.
    period = parse_period("2026-W53", SHANGHAI)
    assert (period.kind, period.label) == ("week", "2026-W53")
    assert period.start == datetime(2026, 12, 28, tzinfo=SHANGHAI)
    assert period.end == datetime(2027, 1, 4, tzinfo=SHANGHAI)
    assert period.end == parse_period("2027-W01", SHANGHAI).start


def test_iso_week_1_of_2026_starts_in_2025():
    # The week holding 2026's first Thursday (1 January) starts on Monday 29 December 2025.
    period = parse_period("2026-W01", SHANGHAI)
    assert period.start == datetime(2025, 12, 29, tzinfo=SHANGHAI)
    assert period.end == datetime(2026, 1, 5, tzinfo=SHANGHAI)
    assert parse_period("2025-W52", SHANGHAI).end == period.start


def test_a_week_with_a_dst_change_is_167_hours():
    # 2026-W13 is Mon 23 to Sun 29 March; Berlin springs forward on the 29th.
    assert hours(parse_period("2026-W13", BERLIN)) == 7 * 24 - 1


def test_consecutive_months_meet():
    assert parse_period("2026-02", BERLIN).end == parse_period("2026-03", BERLIN).start


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-W53", r"period: '2025-W53' does not exist \(Invalid week: 53\)"),
        ("2026-W00", r"period: '2026-W00' does not exist"),
        ("2026-13", r"period: '2026-13' does not exist \(month must be in 1\.\.12\)"),
        ("2026-02-29", r"period: '2026-02-29' does not exist"),
        ("9999-12", r"period: '9999-12' does not exist"),
        ("2026-w01", r"period: '2026-w01' is not YYYY-MM \(month\), YYYY-Www \(ISO week\)"),
        ("2026/11", r"period: '2026/11' is not YYYY-MM"),
        ("2026-1", r"period: '2026-1' is not"),
        ("", r"period: '' is not"),
        (" 2026-11", r"period: ' 2026-11' is not"),
        ("２０２６-11", r"period: '２０２６-11' is not"),
    ],
)
def test_invalid_periods_name_period_and_the_accepted_forms(value, message):
    with pytest.raises(ValueError, match=message):
        parse_period(value, SHANGHAI)


def test_clip_to_contract_validity():
    # Valid 2026-01-15 to 2026-12-31 (inclusive): January starts on the 15th, December is whole.
    january = clip(parse_period("2026-01", SHANGHAI), date(2026, 1, 15), date(2026, 12, 31))
    assert january is not None and january.label == "2026-01"
    assert (january.start, january.end) == (
        datetime(2026, 1, 15, tzinfo=SHANGHAI),
        datetime(2026, 2, 1, tzinfo=SHANGHAI),
    )
    december = parse_period("2026-12", SHANGHAI)
    assert clip(december, date(2026, 1, 15), date(2026, 12, 31)) == december
    assert clip(parse_period("2027-01", SHANGHAI), date(2026, 1, 15), date(2026, 12, 31)) is None


def test_clip_a_week_across_the_start_of_validity():
    week = clip(parse_period("2026-W01", SHANGHAI), date(2026, 1, 1), date(2026, 12, 31))
    assert week is not None
    assert (week.start, week.end) == (
        datetime(2026, 1, 1, tzinfo=SHANGHAI),
        datetime(2026, 1, 5, tzinfo=SHANGHAI),
    )


def test_clip_ends_at_the_local_midnight_after_valid_to():
    # Valid to 2026-03-15 in Berlin: the period ends 2026-03-16 00:00 CET = 2026-03-15 23:00 UTC.
    march = clip(parse_period("2026-03", BERLIN), date(2026, 1, 1), date(2026, 3, 15))
    assert march is not None
    assert march.end.astimezone(UTC) == datetime(2026, 3, 15, 23, tzinfo=UTC)


def test_days_of_a_dst_month_are_31_local_midnights():
    october = parse_period("2026-10", BERLIN)
    assert days(october)[0] == date(2026, 10, 1) and len(days(october)) == 31
    starts = day_starts(october)
    assert len(starts) == 31 and all(s.hour == 0 for s in starts)
    # Sunday 25 October has 25 hours: 00:00 CEST (22:00 UTC the day before) to 00:00 CET.
    assert starts[24].astimezone(UTC) == datetime(2026, 10, 24, 22, tzinfo=UTC)
    assert starts[25].astimezone(UTC) == datetime(2026, 10, 25, 23, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11", Fraction(1)),
        ("2026-02", Fraction(1)),
        ("2026-11-23", Fraction(1, 30)),
        ("2026-W48", Fraction(7, 30)),  # Mon 23 to Sun 29 November
        ("2026-W44", Fraction(6, 31) + Fraction(1, 30)),  # Mon 26 October to Sun 1 November
    ],
)
def test_months_prorates_days_by_the_length_of_their_month(value, expected):
    assert months(parse_period(value, SHANGHAI)) == expected


def test_months_of_a_clipped_period():
    # Valid from 2026-11-16: 15 of November's 30 days.
    half = clip(parse_period("2026-11", SHANGHAI), date(2026, 11, 16), date(2026, 12, 31))
    assert half is not None and months(half) == Fraction(1, 2)
