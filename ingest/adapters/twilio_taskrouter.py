"""Twilio TaskRouter event callbacks (DESIGN §13): one form-encoded event per request.

TaskRouter POSTs each event of a Workspace to its `EventCallbackUrl` and expects a 2xx within
15 seconds, so the feed answers 204 with no body. A call is one Task (`TaskSid`): a task that
moves to another TaskQueue stays one call, counted in the last queue it entered. Each event
sets one moment of the call, and the offered moment is the task's creation (`TaskDateCreated`,
else `Timestamp − TaskAge`) in every event that restates it, so retries and any order give the
same row. The later events of a task restate its creation as `estimated_offered_at`, so a
call whose offered callback was lost still counts from its creation (an offered event wins).
An event's own moment is `TimestampMs`, else `Timestamp` (epoch seconds), else
`EventDate` (ISO 8601; without an offset it is read in the feed's `timezone`).

- task.created (once it names a TaskQueue), task-queue.entered, task-queue.moved → offered.
- reservation.accepted → answered by `WorkerName`.
- task.canceled → left the queue unanswered: `timeout` when the reason
  (`TaskCanceledReason`, else `Reason`) says the task's TTL or its workflow timed out,
  else `abandoned` (Flex cancels with `hangup` when the caller hangs up).
- task.wrapup → ended (the conversation is over, wrap-up starts); task.completed → acw_done.
- worker.activity.update → an agent state from `WorkerActivityName` (`ACTIVITY_STATES`, and
  the feed's `activities:` for a workspace's own activities; any other is not_ready with the
  activity as the reason).
Events that carry no moment of a call or an agent give no record (`IGNORED_EVENTS`): the other
reservation events (a rejected or timed-out reservation rings on to another worker; the task
events carry the outcome), task.created before routing, updates of attributes and
configuration. Tasks on a channel not in `call_channels` (chat, SMS…) are not calls and give
no record. Any other `EventType` is a rejection naming it.
"""

import json
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field

from app.core.errors import AppError, UnsupportedMediaType
from app.core.vocabulary import AGENT_STATES
from ingest.adapters.base import FeedConfig, Item, ItemKind, SourceRejected
from ingest.adapters.source_times import from_epoch
from ingest.body import media_type

FORM = "application/x-www-form-urlencoded"
OFFERED_EVENTS = ("task.created", "task-queue.entered", "task-queue.moved")
CALL_EVENTS = {
    "reservation.accepted": "answered",
    "task.canceled": "abandoned",
    "task.wrapup": "ended",
    "task.completed": "acw_done",
}
IGNORED_EVENTS = frozenset(
    {
        "reservation.created",
        "reservation.rejected",
        "reservation.timeout",
        "reservation.canceled",
        "reservation.rescinded",
        "reservation.completed",
        "reservation.wrapup",
        "reservation.failed",
        "task.updated",
        "task.deleted",
        "task.system-deleted",
        "task.transfer-initiated",
        "task.transfer-attempt-failed",
        "task.transfer-completed",
        "task.transfer-canceled",
        "task.transfer-failed",
        "task-queue.timeout",
        "task-queue.created",
        "task-queue.deleted",
        "task-queue.expression.updated",
        "workflow.entered",
        "workflow.target-matched",
        "workflow.timeout",
        "workflow.created",
        "workflow.updated",
        "workflow.deleted",
        "worker.created",
        "worker.deleted",
        "worker.attributes.update",
        "worker.capacity.update",
        "worker.channel.availability.update",
        "activity.created",
        "activity.updated",
        "activity.deleted",
        "workspace.created",
        "workspace.updated",
        "workspace.deleted",
        "task-channel.created",
        "task-channel.updated",
        "task-channel.deleted",
    }
)
ACTIVITY_STATES = {
    "Available": "available",
    "Idle": "available",
    "Reserved": "available",  # single-tasking: a reservation is ringing
    "Busy": "talking",
    "Wrap Up": "acw",
    "WrapUp": "acw",
    "Offline": "logged_out",
}
_TIMEOUT_WORDS = ("ttl exceeded", "timeout", "timed out")

AgentState = Literal[AGENT_STATES]  # type: ignore[valid-type]


class TwilioOptions(BaseModel):
    """The `twilio:` block of a feed: which task channels are calls, workspace activities."""

    model_config = ConfigDict(extra="forbid")

    call_channels: list[str] = Field(
        default=["voice", "default"],
        description="TaskChannel unique names whose tasks are calls; others give no record.",
    )
    activities: dict[str, AgentState] = Field(
        default_factory=dict,
        description="Agent state of a workspace's own activities, e.g. {Lunch: not_ready}.",
    )


def _options(feed: FeedConfig) -> TwilioOptions:
    """Return the feed's options, or the defaults for a feed that sets none."""
    return feed.options if isinstance(feed.options, TwilioOptions) else TwilioOptions()


def _form(body: bytes, content_type: str | None) -> dict[str, str]:
    """Read a form-encoded body; a repeated field is refused, since one value was meant."""
    if media_type(content_type) not in (FORM, ""):
        raise UnsupportedMediaType(
            f"twilio-taskrouter reads {FORM}, as TaskRouter sends its event callbacks"
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AppError(f"body is not UTF-8 form data: {exc}") from exc
    fields: dict[str, str] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        if name in fields:
            raise AppError(f"{name}: sent twice; an event callback carries each field once")
        fields[name] = value
    if not fields:
        raise AppError("empty body: send the event callback's form fields (EventType, …)")
    return fields


def _event_time(event: dict[str, str], feed: FeedConfig) -> datetime:
    """Return when the event happened: TimestampMs, Timestamp or EventDate."""
    if event.get("TimestampMs"):
        return from_epoch(event["TimestampMs"], "TimestampMs", "ms")
    if event.get("Timestamp"):
        return from_epoch(event["Timestamp"], "Timestamp")
    if not event.get("EventDate"):
        raise SourceRejected("Timestamp: required (or TimestampMs, or EventDate)")
    try:
        moment = datetime.fromisoformat(event["EventDate"].replace("Z", "+00:00"))
    except ValueError:
        raise SourceRejected(f"EventDate: {event['EventDate']!r} is not ISO 8601") from None
    return feed.moment(moment, "EventDate")


def _offered_at(event: dict[str, str], feed: FeedConfig) -> datetime:
    """Return when the task was created, the same in every event of the task."""
    if event.get("TaskDateCreated"):
        return from_epoch(event["TaskDateCreated"], "TaskDateCreated")
    if not event.get("TaskAge", "").isdigit():
        raise SourceRejected(
            f"TaskAge: {event.get('TaskAge')!r} is not a whole number of seconds"
            " (or send TaskDateCreated)"
        )
    at = from_epoch(event["Timestamp"], "Timestamp") if event.get("Timestamp") else None
    if at is None:
        raise SourceRejected("Timestamp: required with TaskAge (or send TaskDateCreated)")
    return at.replace(microsecond=0) - timedelta(seconds=int(event["TaskAge"]))


def _created(event: dict[str, str], feed: FeedConfig) -> datetime | None:
    """Return when the task was created, if the event says it (None when it cannot)."""
    try:
        return _offered_at(event, feed)
    except SourceRejected:
        return None


def _queue(event: dict[str, str], feed: FeedConfig) -> str:
    """Return the queue code of the task's TaskQueue, by name, else by sid."""
    name, sid = event.get("TaskQueueName"), event.get("TaskQueueSid")
    if sid and sid in feed.queues and (not name or name not in feed.queues):
        return feed.queue(sid)
    if not name and not sid:
        raise SourceRejected("TaskQueueName: required (or TaskQueueSid)")
    return feed.queue(name or sid or "")


def _outbound(event: dict[str, str]) -> bool:
    """Return whether the task attributes Flex writes say the call is outbound."""
    try:
        attributes = json.loads(event.get("TaskAttributes") or "{}")
    except ValueError:
        raise SourceRejected("TaskAttributes: not valid JSON") from None
    return isinstance(attributes, dict) and attributes.get("direction") == "outbound"


def _offered(
    value: dict[str, Any], event: dict[str, str], feed: FeedConfig
) -> tuple[ItemKind, Any]:
    """Return the offered moment: a call event, or for an outbound task a call record.

    A call event carries no `direction` (a call is inbound unless a call record says
    otherwise), so an outbound task's offered moment is the one record that can say it.
    """
    at = _offered_at(event, feed)
    if _outbound(event):
        return "calls", value | {"offered_at": at, "direction": "outbound"}
    return "call-events", value | {"event": "offered", "at": at}


def _call_event(event: dict[str, str], feed: FeedConfig) -> tuple[ItemKind, Any] | None:
    kind = event["EventType"]
    if kind == "task.created" and not (event.get("TaskQueueName") or event.get("TaskQueueSid")):
        return None  # not routed yet: task-queue.entered follows with the queue
    channel = event.get("TaskChannelUniqueName")
    if channel and channel not in _options(feed).call_channels:
        return None
    call_id = event.get("TaskSid") or ""
    if not call_id:
        raise SourceRejected("TaskSid: required")
    value: dict[str, Any] = {"call_id": call_id, "queue": _queue(event, feed)}
    if kind in OFFERED_EVENTS:
        return _offered(value, event, feed)
    value |= {"event": CALL_EVENTS[kind], "at": _event_time(event, feed)}
    if (created := _created(event, feed)) is not None and created <= value["at"]:
        value["estimated_offered_at"] = created  # counts if the offered callback was lost
    if kind == "reservation.accepted":
        if not event.get("WorkerName"):
            raise SourceRejected("WorkerName: required")
        value |= {"agent": event["WorkerName"], "exit_reason": "answered"}
    elif kind == "task.canceled":
        reason = (event.get("TaskCanceledReason") or event.get("Reason") or "").lower()
        if any(word in reason for word in _TIMEOUT_WORDS):
            value |= {"event": "ended", "exit_reason": "timeout"}
        else:
            value |= {"exit_reason": "abandoned"}
    return "call-events", value


def _agent_event(event: dict[str, str], feed: FeedConfig) -> dict[str, Any]:
    agent, activity = event.get("WorkerName"), event.get("WorkerActivityName")
    if not agent:
        raise SourceRejected("WorkerName: required")
    if not activity:
        raise SourceRejected("WorkerActivityName: required")
    state = _options(feed).activities.get(activity) or ACTIVITY_STATES.get(activity, "not_ready")
    value = {"agent": agent, "state": state, "at": _event_time(event, feed)}
    return value | ({"reason": activity} if state == "not_ready" else {})


class TwilioTaskrouter:
    """The `twilio-taskrouter` format: one TaskRouter event callback per request."""

    name = "twilio-taskrouter"
    Options = TwilioOptions
    media_types = (FORM,)
    status_code = 204

    def parse(self, body: bytes, content_type: str | None, feed: FeedConfig) -> list[Item]:
        """Parse one event callback into at most one item (index 1)."""
        event = _form(body, content_type)
        source = body.decode("utf-8")
        kind_name = event.get("EventType", "")
        kind: ItemKind = "agent-events" if kind_name.startswith("worker.") else "call-events"
        try:
            if kind_name == "worker.activity.update":
                return [Item(kind, 1, source, _agent_event(event, feed))]
            if kind_name in OFFERED_EVENTS or kind_name in CALL_EVENTS:
                made = _call_event(event, feed)
                return [] if made is None else [Item(made[0], 1, source, made[1])]
            if kind_name in IGNORED_EVENTS:
                return []
            raise SourceRejected(
                f"EventType: unknown event {kind_name!r}" if kind_name else "EventType: required"
            )
        except SourceRejected as rejected:
            return [Item.rejected(kind, 1, source, *rejected.errors)]


ADAPTER = TwilioTaskrouter()
