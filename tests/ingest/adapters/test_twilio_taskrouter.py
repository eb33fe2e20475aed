"""twilio-taskrouter: TaskRouter event callbacks (form-encoded) → CallPulse items."""

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import AppError, UnsupportedMediaType
from ingest.adapters import adapter
from ingest.adapters.base import FeedConfig
from ingest.adapters.twilio_taskrouter import IGNORED_EVENTS, TwilioOptions

SAMPLES = Path(__file__).parent / "samples"
ADAPTER = adapter("twilio-taskrouter")
FEED = FeedConfig("acme-flex", "twilio-taskrouter", {"Cards Support": "acme-cards"})
FORM = "application/x-www-form-urlencoded"
TASK = "WT5f0d1e2c3b4a59687766554433221100"


def at(minute: int, second: int, millisecond: int = 0) -> datetime:
    return datetime(2026, 11, 20, 1, minute, second, millisecond * 1000, tzinfo=UTC)


def parse(fields: dict[str, str] | str, feed: FeedConfig = FEED, content_type: str = FORM):
    body = fields if isinstance(fields, str) else urlencode(fields)
    return ADAPTER.parse(body.encode(), content_type, feed)


def task_event(kind: str, **fields: str) -> dict[str, str]:
    return {
        "EventType": kind,
        "TaskSid": "WT1",
        "TaskQueueName": "Cards Support",
        "TaskDateCreated": "1795136400",
        "Timestamp": "1795136430",
        **fields,
    }


def test_the_sample_callbacks_give_one_item_each_or_none():
    lines = (SAMPLES / "twilio_taskrouter_events.txt").read_text().splitlines()
    got = [[(i.kind, i.index, i.value) for i in parse(line)] for line in lines]
    agent = "li.na@acme.example"
    assert got == [
        [],  # task.created before routing: no queue yet
        [
            (
                "call-events",
                1,
                {
                    "call_id": TASK,
                    "queue": "acme-cards",
                    "event": "offered",
                    "at": at(0, 0),
                },
            )
        ],
        [],  # reservation.created
        [
            (
                "call-events",
                1,
                {
                    "call_id": TASK,
                    "queue": "acme-cards",
                    "event": "answered",
                    "at": at(0, 9, 137),
                    "agent": agent,
                    "exit_reason": "answered",
                    "estimated_offered_at": at(0, 0),  # each later event restates it
                },
            )
        ],
        [("agent-events", 1, {"agent": agent, "state": "talking", "at": at(0, 9, 137)})],
        [
            (
                "call-events",
                1,
                {"call_id": TASK, "queue": "acme-cards", "event": "ended", "at": at(2, 11, 137)}
                | {"estimated_offered_at": at(0, 0)},
            )
        ],
        [
            (
                "call-events",
                1,
                {"call_id": TASK, "queue": "acme-cards", "event": "acw_done", "at": at(2, 42, 137)}
                | {"estimated_offered_at": at(0, 0)},
            )
        ],
        [
            (
                "call-events",
                1,
                {
                    "call_id": "WT6a1b2c3d4e5f60718293a4b5c6d7e8f9",
                    "queue": "acme-cards",
                    "event": "abandoned",
                    "at": at(4, 0, 137),
                    "exit_reason": "abandoned",
                    "estimated_offered_at": at(3, 20),
                },
            )
        ],
        [
            (
                "call-events",
                1,
                {
                    "call_id": "WT7b2c3d4e5f6a718293a4b5c6d7e8f901",
                    "queue": "acme-cards",
                    "event": "ended",
                    "at": at(23, 20, 137),
                    "exit_reason": "timeout",
                    "estimated_offered_at": at(5, 0),
                },
            )
        ],
        [
            (
                "agent-events",
                1,
                {"agent": agent, "state": "not_ready", "at": at(2, 50, 137), "reason": "Break"},
            )
        ],
    ]
    assert ADAPTER.status_code == 204


@pytest.mark.parametrize("kind", ["task.created", "task-queue.entered", "task-queue.moved"])
def test_every_offered_event_restates_the_creation_moment(kind):
    [by_date] = parse(task_event(kind))
    no_date = task_event(kind, TaskAge="30")
    del no_date["TaskDateCreated"]
    [by_age] = parse(no_date)
    assert (
        by_date.value
        == by_age.value
        == {"call_id": "WT1", "queue": "acme-cards", "event": "offered", "at": at(0, 0)}
    )


def test_an_outbound_task_is_offered_as_an_outbound_call_record():
    attributes = json.dumps({"direction": "outbound", "to": "+8613800138000"})
    [item] = parse(task_event("task-queue.entered", TaskAttributes=attributes))
    assert (item.kind, item.value) == (
        "calls",
        {"call_id": "WT1", "queue": "acme-cards", "offered_at": at(0, 0), "direction": "outbound"},
    )


@pytest.mark.parametrize(
    ("reason", "event", "exit_reason"),
    [
        ("hangup", "abandoned", "abandoned"),
        ("Task TTL Exceeded", "ended", "timeout"),
        ("Workflow timeout", "ended", "timeout"),
        ("", "abandoned", "abandoned"),
    ],
)
def test_a_canceled_task_left_unanswered(reason, event, exit_reason):
    [item] = parse(task_event("task.canceled", TaskCanceledReason=reason))
    assert item.value == {
        "call_id": "WT1",
        "queue": "acme-cards",
        "event": event,
        "at": at(0, 30),
        "exit_reason": exit_reason,
        "estimated_offered_at": at(0, 0),  # counted even if the offered callback was lost
    }


@pytest.mark.parametrize(
    ("activity", "state", "reason"),
    [
        ("Available", "available", None),
        ("Offline", "logged_out", None),
        ("Unavailable", "not_ready", "Unavailable"),
        ("Break", "not_ready", "Break"),
        ("Busy", "talking", None),
        ("Wrap Up", "acw", None),
        ("Lunch", "acw", None),
    ],
)
def test_worker_activities_become_states(activity, state, reason):
    feed = FeedConfig(
        "f", "twilio-taskrouter", {}, options=TwilioOptions(activities={"Lunch": "acw"})
    )
    fields = {
        "EventType": "worker.activity.update",
        "WorkerName": "li.na",
        "WorkerActivityName": activity,
        "Timestamp": "1795136430",
    }
    [item] = parse(fields, feed)
    assert item.value == {"agent": "li.na", "state": state, "at": at(0, 30)} | (
        {"reason": reason} if reason else {}
    )


def test_the_queue_maps_by_name_else_by_sid():
    feed = FeedConfig("f", "twilio-taskrouter", {"WQ1": "acme-it"})
    [item] = parse(task_event("task-queue.entered", TaskQueueSid="WQ1"), feed)
    assert item.value["queue"] == "acme-it"


def test_tasks_on_other_channels_are_not_calls():
    assert parse(task_event("task-queue.entered", TaskChannelUniqueName="chat")) == []
    feed = FeedConfig(
        "f", "twilio-taskrouter", FEED.queues, options=TwilioOptions(call_channels=["chat"])
    )
    assert len(parse(task_event("task-queue.entered", TaskChannelUniqueName="chat"), feed)) == 1


def test_events_without_call_data_give_nothing():
    for kind in sorted(IGNORED_EVENTS):
        assert parse(task_event(kind)) == [], kind


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (task_event("task.exploded"), "EventType: unknown event 'task.exploded'"),
        ({"TaskSid": "WT1"}, "EventType: required"),
        (
            task_event("task.wrapup", TaskQueueName="Sales"),
            "queue: source queue 'Sales' is not mapped in feed 'acme-flex'",
        ),
        (task_event("task.wrapup", TaskQueueName=""), "TaskQueueName: required (or TaskQueueSid)"),
        (task_event("task.wrapup", TaskSid=""), "TaskSid: required"),
        (task_event("reservation.accepted"), "WorkerName: required"),
        (
            task_event("task.wrapup", Timestamp="yesterday"),
            "Timestamp: 'yesterday' is not a positive epoch time in seconds",
        ),
        (
            task_event("task.wrapup", Timestamp="", EventDate="2026-11-20 09:00:30"),
            "EventDate: 2026-11-20T09:00:30 has no UTC offset and feed 'acme-flex' has no",
        ),
        (task_event("task.created", TaskAttributes="{oops"), "TaskAttributes: not valid JSON"),
        (
            {"EventType": "worker.activity.update", "WorkerName": "x", "Timestamp": "1795136430"},
            "WorkerActivityName: required",
        ),
    ],
)
def test_bad_callbacks_are_named_rejections_at_index_1(fields, error):
    [item] = parse(fields)
    assert (item.index, item.value) == (1, None)
    assert item.errors[0].startswith(error)


def test_an_event_date_is_read_in_the_feed_timezone():
    feed = FeedConfig("f", "twilio-taskrouter", FEED.queues, ZoneInfo("Asia/Shanghai"))
    [item] = parse(task_event("task.wrapup", Timestamp="", EventDate="2026-11-20 09:00:30"), feed)
    assert item.value["at"] == at(0, 30)
    [utc] = parse(task_event("task.wrapup", Timestamp="", EventDate="2026-11-20T01:00:30Z"))
    assert utc.value["at"] == at(0, 30)


def test_unreadable_bodies_are_refused():
    with pytest.raises(UnsupportedMediaType):
        parse(task_event("task.wrapup"), content_type="application/json")
    with pytest.raises(AppError, match="EventType: sent twice"):
        parse("EventType=task.wrapup&EventType=task.completed")
    with pytest.raises(AppError, match="not UTF-8"):
        ADAPTER.parse(b"EventType=\xff\xfe", FORM, FEED)


@given(
    kind=st.sampled_from(["task.created", "task-queue.entered", "task-queue.moved"]),
    created=st.integers(1_600_000_000, 1_900_000_000),
    age=st.integers(0, 86_399),
)
def test_the_offered_moment_is_the_same_whichever_event_states_it(kind, created, age):
    stamp = {"Timestamp": str(created + age), "TaskAge": str(age)}
    [from_age] = parse(
        {k: v for k, v in task_event(kind, **stamp).items() if k != "TaskDateCreated"}
    )
    [from_date] = parse(task_event(kind, TaskDateCreated=str(created), **stamp))
    assert from_age.value == from_date.value
