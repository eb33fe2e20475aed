"""The per-record shortcuts of ingest answer what the long way answers."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.quality.measures import ACCEPTED, LATE_MAX, late, lateness_bucket
from ingest.checks import RecordRejected, Window, storable, unstorable_fields
from ingest.feed_counts import FeedTally
from ingest.schemas import CallRecord
from ingest.service import _Offsets, _partition_moments, _utc_offset
from ingest.writer import FeedCount

TOKYO, NEW_YORK = timezone(timedelta(hours=9)), timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        ({"call_id": "a", "talk_s": 1.5, "at": datetime(2026, 11, 20, tzinfo=UTC)}, []),
        ({"call_id": "\\u0000 sent as text"}, []),  # a backslash, not a NUL: a false alarm
        ({"call_id": "a\x00b"}, ["call_id: contains a NUL character (\\x00)"]),
        ({"ca\x00ll": 1}, ["ca\\x00ll: field name contains a NUL character (\\x00)"]),
        ({"queues": ["q", "x\x00"]}, ["queues.1: contains a NUL character (\\x00)"]),
        (
            {"agent": "a\ud800"},
            ["agent: contains an unpaired surrogate (\\ud800); send valid Unicode"],
        ),
        (
            {"note": {"x": "bad \udc80 byte"}},
            ["note.x: contains an unpaired surrogate (\\udc80); send valid Unicode"],
        ),
        ({1: "a key orjson refuses"}, []),
    ],
)
def test_thestorable_shortcut_agrees_with_the_field_walk(value, errors):
    assert unstorable_fields(value) == errors
    if errors:
        assert not storable(value)


def test_a_batch_within_one_month_needs_only_its_first_and_last_time():
    times = [datetime(2026, 11, d, 12, tzinfo=TOKYO) for d in (9, 2, 28, 15)]
    records = [{"offered_at": t, "ended_at": None} for t in times]
    assert _partition_moments(records, ("offered_at", "ended_at")) == [times[1], times[2]]


def test_a_batch_over_two_months_in_a_row_needs_only_its_first_and_last_time():
    # 1 December 00:30 at +09:00 is still November in UTC.
    times = [datetime(2026, 12, 1, 0, 30, tzinfo=TOKYO), datetime(2026, 12, 20, tzinfo=UTC)]
    times += [datetime(2026, 11, 30, 20, tzinfo=NEW_YORK), datetime(2026, 11, 3, tzinfo=UTC)]
    records = [{"at": t} for t in times]
    assert _partition_moments(records, ("at",)) == [times[3], times[1]]


def test_a_batch_over_more_months_keeps_every_time():
    # 1 December 00:30 at +09:00 is still November in UTC; 1 December 02:00 at -05:00 is not.
    times = [
        datetime(2026, 12, 1, 0, 30, tzinfo=TOKYO),
        datetime(2026, 10, 31, 23, tzinfo=UTC),
        datetime(2026, 12, 1, 2, tzinfo=NEW_YORK),
    ]
    records = [{"at": t} for t in times]
    assert _partition_moments(records, ("at",)) == times
    assert _partition_moments([{"at": None}], ("at",)) == []


@pytest.mark.parametrize(
    ("moment", "seconds"),
    [
        (datetime(2026, 11, 20, 9, tzinfo=TOKYO), 9 * 3600),
        (datetime(2026, 11, 20, 9, tzinfo=NEW_YORK), -5 * 3600),
        (datetime(2026, 11, 20, 9, tzinfo=timezone(timedelta(hours=-3, minutes=-30))), -12600),
        (datetime(2026, 11, 20, 9, tzinfo=UTC), 0),
        (datetime(2026, 11, 20, 9), None),
        ("2026-11-20", None),
    ],
)
def test_a_staged_offset_is_the_offset_sent(moment, seconds):
    assert _utc_offset(moment) == seconds


NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)
_US = timedelta(microseconds=1)


SIX_HOURS_LATER = timezone(timedelta(hours=-6))
PARSED = CallRecord.model_validate(  # pydantic's own fixed zone
    {"call_id": "c", "queue": "q", "offered_at": "2026-11-20T09:00:00+05:45"}
).offered_at.tzinfo


@pytest.mark.parametrize("zone", [UTC, TOKYO, NEW_YORK, PARSED, ZoneInfo("America/New_York")])
@pytest.mark.parametrize(
    "moment", [NOW - _US, NOW, NOW + _US, NOW - timedelta(days=9), NOW - timedelta(days=10) - _US]
)
def test_the_window_check_in_the_zone_sent_decides_as_comparing_moments(zone, moment):
    sent = moment.astimezone(zone)
    window = Window(NOW - timedelta(days=10), NOW, 10)
    refused = sent > window.latest or sent < window.earliest
    for _ in range(2):  # the window's ends in the zone are kept: the second check reads them
        try:
            window.check({"at": sent}, ("at",))
        except RecordRejected:
            assert refused
        else:
            assert not refused


def test_a_window_whose_end_leaves_the_calendar_in_a_zone_still_decides():
    window = Window.around(NOW, 10**6, timedelta(0))  # from the first moment there is
    assert window.earliest == datetime.min.replace(tzinfo=UTC)
    old = datetime(1, 1, 1, 12, tzinfo=SIX_HOURS_LATER)
    assert window.check({"at": old}, ("at",)) == old
    with pytest.raises(RecordRejected, match="in the future"):
        window.check({"at": (NOW + _US).astimezone(SIX_HOURS_LATER)}, ("at",))


def test_the_window_check_returns_the_latest_time():
    times = {"a": NOW.astimezone(TOKYO) - timedelta(hours=1), "b": NOW.astimezone(NEW_YORK)}
    window = Window(NOW - timedelta(days=1), NOW, 1)
    latest = window.check({**times, "c": None}, ("a", "b", "c"))
    assert latest == NOW and latest is times["b"]
    assert window.check({"a": None}, ("a",)) is None


def test_the_tally_counts_each_client_s_lateness_as_record_by_record():
    received = NOW + timedelta(seconds=3725.5)
    tally = FeedTally(received)
    ages = [0.2, 5, 5.9, 75, 3725.5, -3]  # s before `received`; negative: sent from ahead
    zones = [UTC, TOKYO, PARSED, ZoneInfo("Europe/Paris")]
    for n, age in enumerate(ages):
        latest = NOW + timedelta(seconds=3725.5 - age)
        tally.accepted([1], latest.astimezone(zones[n % len(zones)]))
    tally.accepted([1, 2], None)
    buckets: dict[str, int] = {}
    for age in ages:
        bucket = late(lateness_bucket(age))
        buckets[bucket] = buckets.get(bucket, 0) + 1
    assert sorted(tally.rows()) == sorted(
        [FeedCount(1, ACCEPTED, 7), FeedCount(2, ACCEPTED, 1), FeedCount(1, LATE_MAX, 3725)]
        + [FeedCount(1, bucket, n) for bucket, n in buckets.items()]
    )


@pytest.mark.parametrize(
    "zone",
    [TOKYO, UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")],
)
def test_a_batch_s_offsets_looked_up_by_zone_are_those_of_each_time(zone):
    offsets = _Offsets()
    moments = [datetime(2026, month, 20, 9, tzinfo=zone) for month in (1, 7, 1, 7)]
    moments += [
        CallRecord.model_validate(
            {"call_id": "c", "queue": "q", "offered_at": "2026-11-20T09:00:00-03:30"}
        ).offered_at
    ] * 2
    assert [offsets.of(m) for m in moments] == [_utc_offset(m) for m in moments]
