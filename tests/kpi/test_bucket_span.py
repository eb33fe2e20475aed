"""Buckets counted by arithmetic (`span`) are the buckets listed, in any zone and granularity."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from app.kpi.intervals import GRANULARITIES, buckets, span

ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)),
    length=st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=120)),
    granularity=st.sampled_from(GRANULARITIES),
    zone=st.sampled_from(ZONES),
    minutes=st.sampled_from([5, 10, 15, 30, 60]),
)
def test_the_count_is_the_buckets_listed(start, length, granularity, zone, minutes):
    tz = ZoneInfo(zone)
    lo = start.replace(tzinfo=UTC)
    listed = buckets(lo, lo + length, granularity, tz, minutes)
    extent = span(lo, lo + length, granularity, tz, minutes)
    assert (extent.count, extent.start, extent.end) == (
        len(listed),
        listed[0].start,
        listed[-1].end,
    )
