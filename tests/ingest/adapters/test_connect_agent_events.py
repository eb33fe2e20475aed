"""`connect-agent-events`: the Amazon Connect agent event stream → agent states, exactly."""

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.adapters import adapter
from ingest.adapters.base import FeedConfig, Item
from ingest.adapters.connect_agent_events import Options

SAMPLE = Path(__file__).parent / "samples" / "connect_agent_events.ndjson"
FEED = FeedConfig(
    name="acme-connect-agents",
    format="connect-agent-events",
    queues={"BasicQueue": "acme-general", "Cards": "acme-cards"},
)
QUEUES = ["acme-cards", "acme-general"]


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-20T{clock}+00:00")


def parse(body: bytes | str, feed: FeedConfig = FEED) -> list[Item]:
    data = body.encode() if isinstance(body, str) else body
    return adapter("connect-agent-events").parse(data, "application/x-ndjson", feed)


def sample_events() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SAMPLE.read_text().splitlines()]


def test_each_event_of_the_sample_enters_its_state_and_heartbeats_are_skipped() -> None:
    items = parse(SAMPLE.read_bytes())

    assert all(item.kind == "agent-events" and not item.errors for item in items)
    assert [(item.index, item.value) for item in items] == [
        (1, {"agent": "li.wei", "state": "available", "at": at("00:59:00.250"), "queues": QUEUES}),
        (2, {"agent": "li.wei", "state": "talking", "at": at("01:00:42.113"), "queues": QUEUES}),
        (3, {"agent": "li.wei", "state": "talking", "at": at("01:03:00.500"), "queues": QUEUES}),
        # 4 is a HEART_BEAT
        (5, {"agent": "li.wei", "state": "acw", "at": at("01:05:40.020"), "queues": QUEUES}),
        (6, {"agent": "li.wei", "state": "available", "at": at("01:06:15.300"), "queues": QUEUES}),
        (
            7,
            {
                "agent": "li.wei",
                "state": "not_ready",
                "at": at("01:30:00"),
                "reason": "Lunch",
                "queues": QUEUES,
            },
        ),
        (8, {"agent": "li.wei", "state": "logged_out", "at": at("02:30:00"), "queues": QUEUES}),
        (9, {"agent": "zhang.min", "state": "logged_out", "at": at("02:45:00"), "queues": QUEUES}),
    ]


def test_an_object_an_array_and_firehose_concatenation_give_the_same_items() -> None:
    events = sample_events()
    expected = [(item.index, item.value) for item in parse(SAMPLE.read_bytes())]

    for body in (json.dumps(events), "".join(json.dumps(event) for event in events)):
        assert [(item.index, item.value) for item in parse(body)] == expected
    (single,) = parse(json.dumps(events[1], indent=2))
    assert (single.index, single.value) == (1, expected[1][1])


def test_renamed_statuses_are_read_through_the_options() -> None:
    events = sample_events()
    events[0]["CurrentAgentSnapshot"]["AgentStatus"]["Name"] = "空闲"
    events[8]["CurrentAgentSnapshot"]["AgentStatus"]["Name"] = "离线"
    body = "\n".join(json.dumps(event) for event in (events[0], events[8]))
    renamed = FeedConfig(
        **{
            **FEED.__dict__,
            "options": Options(available_statuses=["空闲"], offline_statuses=["离线"]),
        }
    )

    assert [item.value["state"] for item in parse(body, renamed) if item.value] == [
        "available",
        "logged_out",
    ]
    assert [(item.value or {}).get("reason") for item in parse(body)] == ["空闲", "离线"]


def test_unmapped_queues_are_left_out_and_none_mapped_means_no_queues() -> None:
    only_cards = FeedConfig(**{**FEED.__dict__, "queues": {"Cards": "acme-cards"}})
    none_mapped = FeedConfig(**{**FEED.__dict__, "queues": {}})

    (cards,) = parse(json.dumps(sample_events()[0]), only_cards)
    (bare,) = parse(json.dumps(sample_events()[0]), none_mapped)

    assert cards.value is not None and cards.value["queues"] == ["acme-cards"]
    assert bare.value == {"agent": "li.wei", "state": "available", "at": at("00:59:00.250")}


def test_bad_events_are_rejected_by_line_naming_the_field() -> None:
    base = sample_events()[1]
    no_user = json.loads(json.dumps(base))
    del no_user["CurrentAgentSnapshot"]["Configuration"]["Username"]
    no_status = json.loads(json.dumps(base))
    no_status["CurrentAgentSnapshot"]["Contacts"] = []
    no_status["CurrentAgentSnapshot"]["AgentStatus"] = None
    lines = [
        json.dumps({**base, "EventType": "CONTACT_EVENT"}),
        json.dumps({**base, "EventTimestamp": "2026-11-20T01:00:42"}),
        json.dumps(no_user),
        json.dumps(no_status),
        "{not json",
        json.dumps(base),
        "[1, 2]",
    ]

    items = parse("\n".join(lines))

    assert [(item.index, item.errors) for item in items] == [
        (1, ("EventType: 'CONTACT_EVENT' is not one of LOGIN, LOGOUT, STATE_CHANGE, HEART_BEAT",)),
        (
            2,
            (
                "EventTimestamp: 2026-11-20T01:00:42 has no UTC offset and feed"
                " 'acme-connect-agents' has no `timezone:`; add one (e.g. Asia/Shanghai) to the"
                " feed in the YAML",
            ),
        ),
        (3, ("CurrentAgentSnapshot.Configuration.Username: required",)),
        (4, ("CurrentAgentSnapshot.AgentStatus.Name: required",)),
        (
            5,
            (
                "record: not valid JSON: Expecting property name enclosed in double quotes"
                " (line 5, column 2)",
            ),
        ),
        (6, ()),
        (7, ("record: expected an agent event (a JSON object), got an array",)),
    ]


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False))
def test_order_never_changes_the_items(random: Any) -> None:
    events = sample_events()
    shuffled = events[:]
    random.shuffle(shuffled)

    def canonical(items: list[Item]) -> Counter[str]:
        return Counter(json.dumps(item.value, default=str, sort_keys=True) for item in items)

    in_order = parse("\n".join(json.dumps(event) for event in events))
    reordered = parse("".join(json.dumps(event) for event in shuffled))

    assert canonical(in_order) == canonical(reordered)
