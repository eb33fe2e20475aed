"""Service hours: normalised as stored, refused with the key and the reason, and the open
intervals of a local day counted by hand, across DST changes and in a half-hour zone."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.quality.hours import normalise_hours, open_intervals

BERLIN = ZoneInfo("Europe/Berlin")


def test_hours_are_stored_one_key_per_open_day_in_week_order():
    hours = normalise_hours({"sat": "09:00-17:00", "mon-fri": "13:00-20:00, 08:00-12:00"})
    weekday = ["08:00-12:00", "13:00-20:00"]
    assert hours == {d: weekday for d in ("mon", "tue", "wed", "thu", "fri")} | {
        "sat": ["09:00-17:00"]
    }
    assert list(hours) == ["mon", "tue", "wed", "thu", "fri", "sat"]
    assert normalise_hours({"sun": ["00:00-06:00", "22:00-24:00"]}) == {
        "sun": ["00:00-06:00", "22:00-24:00"]
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"mon-fri": "08:00-20:00", "fri": "09:00-10:00"}, "fri: fri is already given by mon-fri"),
        ({"mon": "08:00-12:00,11:30-13:00"}, "mon: 08:00-12:00 and 11:30-13:00 overlap"),
        ({"mon": "8-20"}, "mon: '8-20' is not a time range like 08:00-20:00"),
        ({"mon": "08:00-25:00"}, "is not a time of day (00:00 to 24:00)"),
        ({"mon": "22:00-06:00"}, "crossing midnight is two"),
        ({"mon": "09:00-09:00"}, "ends before it starts"),
        ({"fri-mon": "08:00-20:00"}, "fri-mon: a range of days runs forward"),
        ({"monday": "08:00-20:00"}, "monday: not a day or a range of days"),
        ({}, "give at least one day"),
    ],
)
def test_bad_hours_say_which_key_and_what_is_wrong(spec, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        normalise_hours(spec)


def _count(hours, day, zone, minutes=15):
    return len(
        open_intervals(hours, day, ZoneInfo(zone) if isinstance(zone, str) else zone, minutes)
    )


def test_an_always_open_day_has_its_true_length_across_dst():
    assert _count(None, date(2026, 3, 28), BERLIN) == 96
    assert _count(None, date(2026, 3, 29), BERLIN) == 92  # spring forward: 23 h
    assert _count(None, date(2026, 10, 25), BERLIN) == 100  # fall back: 25 h


def test_hours_through_a_dst_change_are_counted_on_the_wall_clock():
    # 2026-10-25 is a Sunday; 01:00 CEST = 23:00 UTC the day before, 04:00 CET = 03:00 UTC
    starts = open_intervals({"sun": ["01:00-04:00"]}, date(2026, 10, 25), BERLIN, 15)
    assert len(starts) == 16
    assert starts[0] == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert starts[-1] == datetime(2026, 10, 25, 2, 45, tzinfo=UTC)
    assert open_intervals({"sat": ["01:00-04:00"]}, date(2026, 10, 25), BERLIN, 15) == []


def test_only_intervals_wholly_inside_the_hours_count():
    # Asia/Kolkata is UTC+05:30: 08:00-12:00 local is 02:30-06:30 UTC; hourly intervals on
    # the UTC grid wholly inside are 03:00, 04:00 and 05:00.
    starts = open_intervals(
        {"mon": ["08:00-12:00"]}, date(2026, 11, 23), ZoneInfo("Asia/Kolkata"), 60
    )
    assert [s.hour for s in starts] == [3, 4, 5]
    shanghai = open_intervals(
        {"mon": ["08:00-12:00", "13:00-20:00"]}, date(2026, 11, 23), ZoneInfo("Asia/Shanghai"), 30
    )
    assert len(shanghai) == 8 + 14
