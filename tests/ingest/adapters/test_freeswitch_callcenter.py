"""freeswitch-callcenter: mod_callcenter ESL events and xml_cdr records → CallPulse items."""

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import UnsupportedMediaType
from ingest.adapters import adapter
from ingest.adapters.base import FeedConfig

SAMPLES = Path(__file__).parent / "samples"
ADAPTER = adapter("freeswitch-callcenter")
FEED = FeedConfig(
    "floor2-fs", "freeswitch-callcenter", {"support": "acme-cards", "billing@default": "acme-it"}
)
CALL_1 = "a1f3c6de-0b57-4c1e-93a4-5d2e8f7b9c01@support@default"
CALL_2 = "c2e4a6b8-1d3f-4a5c-8e7b-9d0f1a2b3c03@support@default"
CALL_3 = "d3f5b7c9-2e4a-4b6d-9f8c-0e1a2b3c4d04@billing@default"


def at(minute: int, second: int, microsecond: int = 0) -> datetime:
    return datetime(2026, 11, 20, 1, minute, second, microsecond, tzinfo=UTC)


def parse(body: bytes | str, content_type: str = "application/x-ndjson", feed=FEED):
    data = body.encode() if isinstance(body, str) else body
    return ADAPTER.parse(data, content_type, feed)


def event(**headers: str) -> dict[str, str]:
    base = {
        "Event-Name": "CUSTOM",
        "Event-Subclass": "callcenter::info",
        "Event-Date-Timestamp": "1795136400000000",
        "CC-Queue": "support@default",
        "CC-Member-Session-UUID": "s1",
    }
    return {**base, **{name.replace("_", "-"): value for name, value in headers.items()}}


def test_the_sample_event_stream_gives_each_moment_once():
    items = parse((SAMPLES / "freeswitch_callcenter_events.ndjson").read_bytes())
    got = [(i.kind, i.index, i.value) for i in items]
    assert got == [
        (
            "call-events",
            1,
            {"call_id": CALL_1, "queue": "acme-cards", "event": "offered", "at": at(0, 0, 123456)},
        ),
        ("agent-events", 3, {"agent": "1001@default", "state": "talking", "at": at(0, 6, 811000)}),
        (
            "call-events",
            4,
            {
                "call_id": CALL_1,
                "queue": "acme-cards",
                "event": "answered",
                "at": at(0, 6),
                "agent": "1001@default",
                "exit_reason": "answered",
            },
        ),
        (
            "call-events",
            5,
            {"call_id": CALL_2, "queue": "acme-cards", "event": "offered", "at": at(0, 21, 17000)},
        ),
        (
            "call-events",
            6,
            {
                "call_id": CALL_2,
                "queue": "acme-cards",
                "event": "abandoned",
                "at": at(0, 48),
                "exit_reason": "abandoned",
            },
        ),
        (
            "call-events",
            9,
            {
                "call_id": CALL_1,
                "queue": "acme-cards",
                "event": "ended",
                "at": at(1, 35),
                "agent": "1001@default",
                "exit_reason": "answered",
            },
        ),
        (
            "agent-events",
            10,
            {"agent": "1001@default", "state": "available", "at": at(1, 35, 420000)},
        ),
        (
            "call-events",
            11,
            {"call_id": CALL_3, "queue": "acme-it", "event": "offered", "at": at(2, 0)},
        ),
        (
            "call-events",
            12,
            {
                "call_id": CALL_3,
                "queue": "acme-it",
                "event": "ended",
                "at": at(5, 0),
                "exit_reason": "timeout",
            },
        ),
        (
            "agent-events",
            13,
            {
                "agent": "1001@default",
                "state": "not_ready",
                "at": at(5, 10, 500000),
                "reason": "On Break",
            },
        ),
    ]
    assert all(not i.errors for i in items)


def test_the_member_leg_cdr_is_one_call_and_the_agent_leg_none():
    items = parse((SAMPLES / "freeswitch_xml_cdr.json").read_bytes(), "application/json")
    assert [(i.kind, i.index, i.value) for i in items] == [
        (
            "calls",
            1,
            {
                "call_id": CALL_1,
                "queue": "acme-cards",
                "offered_at": at(0, 0),
                "answered_at": at(0, 6),
                "ended_at": at(1, 35),
                "agent": "1001@default",
                "hold_s": 14.0,
                "exit_reason": "answered",
            },
        ),
        (
            "calls",
            3,
            {
                "call_id": CALL_2,
                "queue": "acme-cards",
                "offered_at": at(0, 21),
                "ended_at": at(0, 48),
                "exit_reason": "abandoned",
            },
        ),
    ]


@pytest.mark.parametrize(
    ("reason", "name", "exit_reason"),
    [
        ("NONE", "abandoned", "abandoned"),
        ("BREAK_OUT", "abandoned", "abandoned"),
        ("TIMEOUT", "ended", "timeout"),
        ("NO_AGENT_TIMEOUT", "ended", "leave_empty"),
        ("EXIT_WITH_KEY", "ended", "exit_key"),
    ],
)
def test_each_cancel_reason_has_its_exit(reason, name, exit_reason):
    end = event(
        CC_Action="member-queue-end",
        CC_Cause="Cancel",
        CC_Cancel_Reason=reason,
        CC_Member_Leaving_Time="1795136430",
        CC_Member_Joined_Time="1795136400",
    )
    cdr = {
        "variables": {
            "uuid": "s1",
            "cc_side": "member",
            "cc_queue": "support@default",
            "cc_queue_joined_epoch": "1795136400",
            "cc_cause": "cancel",
            "cc_cancel_reason": reason,
            "cc_queue_canceled_epoch": "1795136430",
        }
    }
    [from_event] = parse(json.dumps(end))
    [from_cdr] = parse(json.dumps(cdr))
    assert (from_event.value["event"], from_event.value["exit_reason"]) == (name, exit_reason)
    assert from_cdr.value["exit_reason"] == exit_reason
    assert from_event.value["at"] == from_cdr.value["ended_at"] == at(0, 30)


@pytest.mark.parametrize(
    ("header", "value", "state", "reason"),
    [
        ("CC-Agent-Status", "Available", "available", None),
        ("CC-Agent-Status", "Available (On Demand)", "available", None),
        ("CC-Agent-Status", "On Break", "not_ready", "On Break"),
        ("CC-Agent-Status", "Logged Out", "logged_out", None),
        ("CC-Agent-State", "Waiting", "available", None),
        ("CC-Agent-State", "Receiving", "available", None),
        ("CC-Agent-State", "In a queue call", "talking", None),
        ("CC-Agent-State", "Idle", "not_ready", "Idle"),
    ],
)
def test_agent_statuses_and_states(header, value, state, reason):
    action = "agent-status-change" if header == "CC-Agent-Status" else "agent-state-change"
    [item] = parse(json.dumps(event(CC_Action=action, CC_Agent="1001@default", **{header: value})))
    expected = {"agent": "1001@default", "state": state, "at": at(0, 0)}
    assert item.value == expected | ({"reason": reason} if reason else {})


def test_the_queue_maps_by_full_name_first():
    feed = FeedConfig("f", "freeswitch-callcenter", {"support@default": "a", "support": "b"})
    [item] = parse(json.dumps(event(CC_Action="member-queue-start")), feed=feed)
    assert item.value["queue"] == "a"


def test_bad_events_are_named_rejections_with_their_line():
    lines = [
        event(CC_Action="member-queue-start", CC_Queue="sales@default"),
        event(CC_Action="member-queue-start", Event_Subclass="conference::maintenance"),
        event(CC_Action="member-queue-teleport"),
        event(CC_Action="bridge-agent-start", CC_Agent="1001@default"),
        event(
            CC_Action="member-queue-end",
            CC_Cause="Cancel",
            CC_Cancel_Reason="LUNCH",
            CC_Member_Leaving_Time="1795136430",
        ),
        event(CC_Action="agent-status-change", CC_Agent="1001@default", CC_Agent_Status="Busy"),
        {**event(CC_Action="member-queue-start"), "CC-Member-Session-UUID": ""},
        {"hello": "world"},
    ]
    body = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n"
    items = parse(body)
    assert [(i.index, i.value) for i in items] == [(n, None) for n in range(1, 10)]
    errors = [i.errors[0] for i in items]
    assert errors[0].startswith("queue: source queue 'sales@default' is not mapped")
    assert errors[1].startswith("Event-Subclass: 'conference::maintenance' is not callcenter::info")
    assert errors[2] == "CC-Action: unknown action 'member-queue-teleport'"
    assert errors[3] == "CC-Agent-Answered-Time: None is not a positive epoch time in seconds"
    assert errors[4].startswith("CC-Cancel-Reason: 'LUNCH' is not one of NONE, BREAK_OUT")
    assert errors[5].startswith("CC-Agent-Status: 'Busy' is not one of Available")
    assert errors[6] == "CC-Member-Session-UUID: required"
    assert errors[7].startswith("record: neither an ESL event")
    assert errors[8].startswith("record: not valid JSON")


def test_a_naive_local_event_time_needs_the_feed_timezone():
    line = {**event(CC_Action="member-queue-start"), "Event-Date-Local": "2026-11-20 09:00:00"}
    del line["Event-Date-Timestamp"]
    [rejected] = parse(json.dumps(line))
    assert rejected.errors[0].startswith("Event-Date-Local: 2026-11-20T09:00:00 has no UTC offset")
    shanghai = FeedConfig("f", "freeswitch-callcenter", FEED.queues, ZoneInfo("Asia/Shanghai"))
    [item] = parse(json.dumps(line), feed=shanghai)
    assert item.value["at"] == at(0, 0)


def test_cdr_problems_name_the_variable():
    base = {
        "uuid": "s1",
        "cc_side": "member",
        "cc_queue": "support@default",
        "cc_queue_joined_epoch": "1795136400",
        "cc_cause": "answered",
    }
    bad = [
        base,
        {**base, "cc_queue_joined_epoch": "soon"},
        {**base, "cc_cause": "lost"},
        {**base, "cc_side": "observer"},
    ]
    items = parse(json.dumps([{"variables": v} for v in bad]), "application/json")
    assert [(i.index, i.kind) for i in items] == [
        (1, "calls"),
        (2, "calls"),
        (3, "calls"),
        (4, "calls"),
    ]
    assert [i.errors[0] for i in items] == [
        "variables.cc_queue_answered_epoch: required with cc_cause answered",
        "variables.cc_queue_joined_epoch: 'soon' is not a positive epoch time in seconds",
        "variables.cc_cause: 'lost' is neither answered nor cancel",
        "variables.cc_side: 'observer' is neither member nor agent",
    ]


def test_events_without_a_kept_moment_and_non_queue_cdrs_give_nothing():
    lines = [
        event(CC_Action=a)
        for a in (
            "bridge-agent-end",
            "bridge-agent-fail",
            "agent-offering",
            "members-count",
            "agent-status-get",
        )
    ]
    lines.append({"variables": {"uuid": "x", "direction": "inbound"}})
    assert parse("\n".join(json.dumps(line) for line in lines)) == []


def test_a_csv_body_is_refused():
    with pytest.raises(UnsupportedMediaType):
        parse("a,b\n1,2\n", "text/csv")


@given(order=st.permutations(range(13)))
def test_any_order_of_events_gives_the_same_items(order):
    lines = (SAMPLES / "freeswitch_callcenter_events.ndjson").read_text().splitlines()
    expected = sorted(repr(i.value) for i in parse("\n".join(lines)))
    shuffled = "\n".join(lines[n] for n in order)
    assert sorted(repr(i.value) for i in parse(shuffled)) == expected
