"""`connect-ctr`: Amazon Connect contact records → calls and tickets, exactly."""

import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.adapters import adapter
from ingest.adapters.base import FeedConfig, Item

SAMPLE = Path(__file__).parent / "samples" / "connect_ctr.ndjson"
FEED = FeedConfig(
    name="acme-connect",
    format="connect-ctr",
    queues={"BasicQueue": "acme-general", "Cards": "acme-cards"},
)
ID = "1f0b8c2e-5a6d-4e7f-9a0b-1c2d3e4f5a0"


def at(clock: str) -> datetime:
    """A moment on 2026-11-20 (UTC), the day of the sample."""
    return datetime.fromisoformat(f"2026-11-20T{clock}+00:00")


def parse(body: bytes | str, feed: FeedConfig = FEED) -> list[Item]:
    data = body.encode() if isinstance(body, str) else body
    return adapter("connect-ctr").parse(data, "application/x-ndjson", feed)


def sample_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SAMPLE.read_text().splitlines()]


def one(record: dict[str, Any], feed: FeedConfig = FEED) -> Item:
    (item,) = parse(json.dumps(record), feed)
    return item


def test_each_contact_of_the_sample_maps_to_its_call_or_ticket() -> None:
    items = parse(SAMPLE.read_bytes())

    assert [(item.kind, item.index, item.errors) for item in items] == [
        ("calls", 1, ()),
        ("calls", 2, ()),
        ("calls", 3, ()),
        ("calls", 4, ()),
        ("calls", 5, ()),
        ("tickets", 6, ()),
        ("calls", 7, ()),
    ]
    assert [item.value for item in items] == [
        {  # answered, one hold, ACW
            "call_id": f"{ID}1",
            "queue": "acme-general",
            "direction": "inbound",
            "offered_at": at("01:00:30"),
            "answered_at": at("01:00:42"),
            "ended_at": at("01:05:40"),
            "agent": "li.wei",
            "talk_s": 278,
            "hold_s": 20,
            "acw_s": 35,
            "transferred": False,
            "exit_reason": "answered",
            "version": at("01:06:15"),
        },
        {  # answered, then transferred by the agent (NextContactId)
            "call_id": f"{ID}2",
            "queue": "acme-general",
            "direction": "inbound",
            "offered_at": at("01:10:20"),
            "answered_at": at("01:10:25"),
            "ended_at": at("01:13:00"),
            "agent": "li.wei",
            "talk_s": 155,
            "hold_s": 0,
            "acw_s": 20,
            "transferred": True,
            "exit_reason": "answered",
            "version": at("01:13:20"),
        },
        {  # the transfer: a new contact, a call in the next queue
            "call_id": f"{ID}3",
            "queue": "acme-cards",
            "direction": "inbound",
            "offered_at": at("01:13:00"),
            "answered_at": at("01:13:45"),
            "ended_at": at("01:20:00"),
            "agent": "zhang.min",
            "talk_s": 375,
            "hold_s": 0,
            "acw_s": 60,
            "transferred": False,
            "exit_reason": "answered",
            "version": at("01:21:00"),
        },
        {  # abandoned: ends when it left the queue
            "call_id": f"{ID}4",
            "queue": "acme-general",
            "direction": "inbound",
            "offered_at": at("01:30:25"),
            "ended_at": at("01:31:10"),
            "exit_reason": "abandoned",
            "version": at("01:31:12"),
        },
        {  # transferred out of the queue by the queue flow: overflowed
            "call_id": f"{ID}5",
            "queue": "acme-general",
            "direction": "inbound",
            "offered_at": at("01:40:20"),
            "ended_at": at("01:41:50"),
            "exit_reason": "timeout",
            "version": at("01:41:57"),
        },
        {
            "ticket_id": f"{ID}7",
            "queue": "acme-general",
            "channel": "chat",
            "created_at": at("02:00:05"),
            "first_response_at": at("02:00:50"),
            "resolved_at": at("02:12:00"),
            "agent": "li.wei",
            "version": at("02:12:30"),
        },
        {  # outbound: never waits, offered when dialled, no exit reason
            "call_id": f"{ID}8",
            "queue": "acme-cards",
            "direction": "outbound",
            "offered_at": at("03:00:00"),
            "answered_at": at("03:00:00"),
            "ended_at": at("03:04:00"),
            "agent": "zhang.min",
            "talk_s": 228,
            "hold_s": 0,
            "acw_s": 30,
            "transferred": False,
            "version": at("03:04:30"),
        },
    ]
    assert items[0].source == SAMPLE.read_text().splitlines()[0]


def test_an_object_an_array_ndjson_and_firehose_concatenation_give_the_same_items() -> None:
    records = sample_records()
    lines = [json.dumps(record) for record in records]
    bodies = {
        "ndjson": "\n".join(lines) + "\n",
        "crlf": "\r\n".join(lines),
        "concatenated": "".join(lines),
        "array": json.dumps(records),
        "pretty array": json.dumps(records, indent=2),
    }
    expected = [(item.kind, item.index, item.value) for item in parse(SAMPLE.read_bytes())]
    for name, body in bodies.items():
        found = [(item.kind, item.index, item.value) for item in parse(body)]
        assert found == expected, name
    for position, record in enumerate(records):
        (item,) = parse(json.dumps(record, indent=2))
        kind, _, value = expected[position]
        assert (item.kind, item.index, item.value) == (kind, 1, value)


def test_a_line_that_is_not_json_is_rejected_by_its_line_and_the_rest_goes_in() -> None:
    lines = SAMPLE.read_text().splitlines()
    body = "\n".join([lines[0], '{"ContactId": "x", "Channel": ', lines[1], "", lines[3]])

    items = parse(body)

    assert [(item.index, item.value is None) for item in items] == [
        (1, False),
        (2, True),
        (3, False),
        (5, False),
    ]
    assert items[1].kind == "calls"
    assert items[1].source == '{"ContactId": "x", "Channel":'
    assert items[1].errors[0].startswith("record: not valid JSON: Expecting ")


def test_a_broken_array_element_is_rejected_by_its_element_number() -> None:
    lines = SAMPLE.read_text().splitlines()
    body = f'[{lines[0]},\n{{"ContactId": }},\n{lines[1]}]'

    items = parse(body)

    assert [(item.index, bool(item.errors)) for item in items] == [(1, False), (2, True)]
    assert "the rest of the array (from this element) was not read" in items[1].errors[0]


def test_an_unmapped_queue_is_a_named_rejection() -> None:
    record = sample_records()[0]
    record["Queue"]["Name"] = "Mortgages"

    item = one(record)

    assert item.value is None
    assert item.errors == (
        "queue: source queue 'Mortgages' is not mapped in feed 'acme-connect';"
        " add it under `queues:` of the feed in the YAML",
    )


def test_contacts_that_are_not_queue_contacts_are_rejected_by_name() -> None:
    no_queue = {**sample_records()[0], "Queue": None, "Agent": None}
    task = {**sample_records()[0], "Channel": "TASK"}
    monitor = {**sample_records()[0], "InitiationMethod": "MONITOR"}
    never_entered = sample_records()[0]
    never_entered["Queue"]["EnqueueTimestamp"] = None

    assert one(no_queue).errors[0].startswith("Queue: the contact never reached a queue")
    assert one(task).errors[0].startswith("Channel: TASK contacts are back-office work items")
    assert one(monitor).errors[0].startswith("InitiationMethod: MONITOR contacts")
    assert (
        one(never_entered)
        .errors[0]
        .startswith("Queue.EnqueueTimestamp: missing: the contact was routed to queue 'BasicQueue'")
    )


def test_missing_or_malformed_fields_are_named() -> None:
    base = sample_records()[0]
    cases = {
        "ContactId": ({**base, "ContactId": None}, "ContactId: required"),
        "LastUpdateTimestamp": (
            {k: v for k, v in base.items() if k != "LastUpdateTimestamp"},
            "LastUpdateTimestamp: required",
        ),
        "bad time": (
            {**base, "DisconnectTimestamp": "20/11/2026 01:05"},
            "DisconnectTimestamp: not an ISO 8601 timestamp: '20/11/2026 01:05'"
            " (e.g. 2026-11-20T01:02:03Z)",
        ),
        "Agent not an object": (
            {**base, "Agent": "li.wei"},
            "Agent: expected a JSON object, got text",
        ),
    }
    for name, (record, error) in cases.items():
        assert one(record).errors == (error,), name
    (nested,) = parse(json.dumps([[base]]))
    assert nested.errors == ("record: expected a contact record (a JSON object), got an array",)


def test_naive_times_need_the_feed_timezone() -> None:
    record = sample_records()[3]
    record["Queue"]["EnqueueTimestamp"] = "2026-11-20 09:30:25"

    refused = one(record)
    read = one(record, FeedConfig(**{**FEED.__dict__, "timezone": ZoneInfo("Asia/Shanghai")}))

    assert refused.errors[0].startswith("Queue.EnqueueTimestamp: 2026-11-20T09:30:25 has no UTC")
    assert read.value is not None
    assert read.value["offered_at"] == at("01:30:25")


def test_a_contact_still_open_has_no_end_and_no_exit_reason() -> None:
    record = sample_records()[3]
    record.update(DisconnectTimestamp=None, DisconnectReason=None)
    record["Queue"]["DequeueTimestamp"] = None

    item = one(record)

    assert item.value == {
        "call_id": f"{ID}4",
        "queue": "acme-general",
        "direction": "inbound",
        "offered_at": at("01:30:25"),
        "version": at("01:31:12"),
    }


def test_a_callback_waits_in_the_queue_as_an_outbound_call() -> None:
    record = {**sample_records()[0], "InitiationMethod": "CALLBACK"}

    item = one(record)

    assert item.value is not None
    assert item.value["direction"] == "outbound"
    assert item.value["offered_at"] == at("01:00:30")
    assert "exit_reason" not in item.value


offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
updates = st.builds(
    lambda seconds, zone: (at("04:00:00") + timedelta(seconds=seconds)).astimezone(zone),
    st.integers(0, 30 * 86_400),
    offsets,
)


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.lists(updates, min_size=7, max_size=7))
def test_order_never_changes_the_items_and_last_update_is_the_version(
    random: Any, last_updates: list[datetime]
) -> None:
    records = sample_records()
    for record, moment in zip(records, last_updates, strict=True):
        record["LastUpdateTimestamp"] = moment.isoformat()
    shuffled = records[:]
    random.shuffle(shuffled)

    in_order = parse("\n".join(json.dumps(record) for record in records))
    reordered = parse("".join(json.dumps(record) for record in shuffled))

    def canonical(items: list[Item]) -> Counter[str]:
        return Counter(json.dumps(item.value, default=str, sort_keys=True) for item in items)

    assert canonical(in_order) == canonical(reordered)
    for item, moment in zip(in_order, last_updates, strict=True):
        assert item.value is not None
        assert item.value["version"] == moment
        assert item.value["version"].astimezone(UTC) == moment.astimezone(UTC)
