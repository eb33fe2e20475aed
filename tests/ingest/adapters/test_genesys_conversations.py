"""`genesys-conversations`: Genesys Cloud conversation details → one call per queue visit."""

import copy
import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.adapters import adapter
from ingest.adapters.base import FeedConfig, Item

SAMPLE = Path(__file__).parent / "samples" / "genesys_conversations.json"
GENERAL = "8d1f3c2a-6b4e-4a7d-9c0e-2f1a3b4c5d01"
CARDS = "8d1f3c2a-6b4e-4a7d-9c0e-2f1a3b4c5d02"
LI = "5e2d4c3b-1a0f-4e9d-8c7b-6a5f4e3d2c01"
ZHANG = "5e2d4c3b-1a0f-4e9d-8c7b-6a5f4e3d2c02"
WRAP_UP = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c01"
CONVERSATION = "3c9e1a2b-4d5f-4a6b-8c7d-00000000000"
FEED = FeedConfig(
    name="acme-genesys",
    format="genesys-conversations",
    queues={GENERAL: "acme-general", CARDS: "acme-cards"},
)


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-20T{clock}+00:00")


def parse(body: bytes | str | Any, feed: FeedConfig = FEED) -> list[Item]:
    if not isinstance(body, bytes | str):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    return adapter("genesys-conversations").parse(data, "application/json", feed)


def conversations() -> list[dict[str, Any]]:
    answer: dict[str, Any] = json.loads(SAMPLE.read_text())
    listed: list[dict[str, Any]] = answer["conversations"]
    return listed


def waiting_conversation() -> dict[str, Any]:
    """Return the sample's second conversation as it looks while the caller still waits."""
    waiting = conversations()[1]
    del waiting["conversationEnd"]
    for participant in waiting["participants"]:
        for session in participant["sessions"]:
            session.pop("metrics", None)
            for segment in session["segments"]:
                if segment["segmentType"] != "ivr":
                    segment.pop("segmentEnd")
                    segment.pop("disconnectType", None)
    return waiting


def test_each_queue_visit_of_the_sample_is_one_call_or_ticket() -> None:
    items = parse(SAMPLE.read_bytes())

    assert [(item.kind, item.index, item.errors) for item in items] == [
        ("calls", 1, ()),
        ("calls", 2, ()),
        ("calls", 3, ()),
        ("calls", 3, ()),
        ("calls", 4, ()),
        ("tickets", 5, ()),
    ]
    assert [item.value for item in items] == [
        {  # answered in Cards: two talk segments around a hold, then wrap-up with a code
            "call_id": f"{CONVERSATION}1",
            "queue": "acme-cards",
            "direction": "inbound",
            "offered_at": at("01:00:30"),
            "answered_at": at("01:00:42"),
            "ended_at": at("01:05:40"),
            "exit_reason": "answered",
            "version": at("01:06:10"),
            "agent": LI,
            "talk_s": 278.0,
            "hold_s": 20.0,
            "acw_s": 30.0,
            "transferred": False,
            "disposition": WRAP_UP,
        },
        {  # abandoned (tAbandon) after 45 s
            "call_id": f"{CONVERSATION}2",
            "queue": "acme-general",
            "direction": "inbound",
            "offered_at": at("01:30:25"),
            "ended_at": at("01:31:10"),
            "exit_reason": "abandoned",
            "version": at("01:31:10"),
        },
        {  # answered in General, then transferred by the agent …
            "call_id": f"{CONVERSATION}3",
            "queue": "acme-general",
            "direction": "inbound",
            "offered_at": at("01:10:20"),
            "answered_at": at("01:10:25"),
            "ended_at": at("01:13:00"),
            "exit_reason": "answered",
            "version": at("01:21:00"),
            "agent": LI,
            "talk_s": 155.0,
            "hold_s": 0.0,
            "acw_s": 20.0,
            "transferred": True,
        },
        {  # … to Cards: the second visit, a call of its own
            "call_id": f"{CONVERSATION}3:2",
            "queue": "acme-cards",
            "direction": "inbound",
            "offered_at": at("01:13:00"),
            "answered_at": at("01:13:45"),
            "ended_at": at("01:20:00"),
            "exit_reason": "answered",
            "version": at("01:21:00"),
            "agent": ZHANG,
            "talk_s": 375.0,
            "hold_s": 0.0,
            "acw_s": 60.0,
            "transferred": False,
            "disposition": WRAP_UP,
        },
        {  # flowed out by the in-queue flow (tFlowOut): overflowed
            "call_id": f"{CONVERSATION}4",
            "queue": "acme-general",
            "direction": "inbound",
            "offered_at": at("01:40:20"),
            "ended_at": at("01:41:50"),
            "exit_reason": "timeout",
            "version": at("01:42:30"),
        },
        {
            "ticket_id": f"{CONVERSATION}5",
            "queue": "acme-general",
            "channel": "chat",
            "created_at": at("02:00:05"),
            "first_response_at": at("02:00:50"),
            "resolved_at": at("02:12:00"),
            "agent": LI,
            "version": at("02:12:30"),
        },
    ]


def test_a_query_answer_an_array_ndjson_and_one_conversation_give_the_same_items() -> None:
    listed = conversations()
    expected = [(item.kind, item.index, item.value) for item in parse(SAMPLE.read_bytes())]

    for body in (json.dumps(listed), "\n".join(json.dumps(c) for c in listed)):
        assert [(item.kind, item.index, item.value) for item in parse(body)] == expected
    singles = [
        (item.kind, position, item.value)
        for position, conversation in enumerate(listed, 1)
        for item in parse(json.dumps(conversation, indent=2))
    ]
    assert singles == expected


def test_a_visit_to_an_unmapped_queue_is_rejected_and_the_other_visit_goes_in() -> None:
    feed = FeedConfig(name="acme-genesys", format="genesys-conversations", queues={GENERAL: "g"})

    items = parse({"conversations": [conversations()[2]]}, feed)

    assert [(item.index, item.value is not None) for item in items] == [(1, True), (1, False)]
    assert items[1].errors == (
        f"queue: source queue {CARDS!r} is not mapped in feed 'acme-genesys';"
        " add it under `queues:` of the feed in the YAML",
    )
    assert json.loads(items[1].source)["conversationId"] == f"{CONVERSATION}3"


def test_a_conversation_still_waiting_has_no_end_and_no_exit_reason() -> None:
    (item,) = parse(waiting_conversation())

    assert item.value == {
        "call_id": f"{CONVERSATION}2",
        "queue": "acme-general",
        "direction": "inbound",
        "offered_at": at("01:30:25"),
        "version": at("01:30:25"),
    }


def test_an_unanswered_visit_transferred_on_without_metrics_is_overflowed() -> None:
    flowed = conversations()[3]
    del flowed["participants"][1]["sessions"][0]["metrics"]
    called_back = copy.deepcopy(flowed)
    called_back["participants"][1]["sessions"][0]["mediaType"] = "callback"
    hung_up = copy.deepcopy(flowed)
    hung_up["participants"][1]["sessions"][0]["segments"][0]["disconnectType"] = "peer"

    assert [(item.value or {}).get("exit_reason") for item in parse([flowed, hung_up])] == [
        "timeout",
        "abandoned",
    ]
    (callback,) = parse(called_back)
    assert callback.value is not None
    assert callback.value["direction"] == "outbound"
    assert "exit_reason" not in callback.value


def test_messages_become_tickets_by_platform() -> None:
    chat = conversations()[4]

    def channel(message_type: str) -> str:
        message = copy.deepcopy(chat)
        for participant in message["participants"]:
            participant["sessions"][0].update(mediaType="message", messageType=message_type)
        (item,) = parse(message)
        assert item.value is not None
        return str(item.value["channel"])

    assert [channel(kind) for kind in ("sms", "webmessaging", "whatsapp")] == [
        "sms",
        "chat",
        "social",
    ]


def test_bad_conversations_are_rejected_naming_the_field() -> None:
    no_queue = conversations()[0]
    no_queue["participants"] = no_queue["participants"][:2]
    no_start = conversations()[0]
    del no_start["participants"][2]["sessions"][0]["segments"][0]["segmentStart"]
    video = conversations()[1]
    video["participants"][2]["sessions"][0]["mediaType"] = "video"
    bad_metric = conversations()[1]
    bad_metric["participants"][2]["sessions"][0]["metrics"][0]["value"] = "1"
    body = "\n".join(
        [
            *(json.dumps(c) for c in (no_queue, no_start, video, bad_metric)),
            '{"conversationId": ',
            json.dumps({"participants": []}),
        ]
    )

    items = parse(body)

    assert [(item.index, item.errors) for item in items] == [
        (
            1,
            (
                "participants: no acd participant with a queueId: the conversation never"
                " waited in a queue (IVR only, or a direct call); CallPulse counts queue"
                " contacts only",
            ),
        ),
        (2, ("participants.2.sessions.0.segments.0.segmentStart: required",)),
        (
            3,
            (
                "participants.2.sessions.0.mediaType: 'video' is not voice, callback, chat,"
                " email or message",
            ),
        ),
        (4, ("participants.2.sessions.0.metrics.0.value: expected a number, got text",)),
        (5, ("record: not valid JSON: Expecting value (line 5, column 19)",)),
        (6, ("conversationId: required",)),
    ]


def _shuffled_participants(random: Any, listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shuffled = copy.deepcopy(listed)
    random.shuffle(shuffled)
    for conversation in shuffled:
        random.shuffle(conversation["participants"])
    return shuffled


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False))
def test_neither_conversation_nor_participant_order_changes_the_items(random: Any) -> None:
    listed = conversations()

    def canonical(items: list[Item]) -> Counter[str]:
        return Counter(json.dumps(item.value, default=str, sort_keys=True) for item in items)

    assert canonical(parse(listed)) == canonical(parse(_shuffled_participants(random, listed)))


def _as_of(conversation: dict[str, Any], cut: datetime) -> dict[str, Any]:
    """The conversation as a details query at `cut` would have answered it."""
    early = copy.deepcopy(conversation)
    early.pop("conversationEnd")
    for participant in early["participants"]:
        for session in participant["sessions"]:
            session["metrics"] = [
                m
                for m in session.get("metrics", [])
                if datetime.fromisoformat(m["emitDate"]) <= cut
            ]
            kept = []
            for segment in session["segments"]:
                if datetime.fromisoformat(segment["segmentStart"]) > cut:
                    continue
                if datetime.fromisoformat(segment.get("segmentEnd", segment["segmentStart"])) > cut:
                    segment.pop("segmentEnd")
                    segment.pop("disconnectType", None)
                kept.append(segment)
            session["segments"] = kept
    return early


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(range(5)), st.integers(0, 25 * 60))
def test_an_earlier_copy_of_a_conversation_never_has_a_newer_version(
    which: int, seconds: int
) -> None:
    conversation = conversations()[which]
    cut = at("01:00:30") + timedelta(seconds=seconds)
    full = {item.value["version"] for item in parse(conversation) if item.value}
    (latest,) = full

    for item in parse(_as_of(conversation, cut)):
        if item.value is not None:
            assert item.value["version"] <= latest
            assert item.value["version"] <= max(cut, at("01:00:30"))
