"""`connect-agent-events`: the Amazon Connect agent event stream → agent states.

A body is one agent event, an array of them, or the Kinesis stream as Firehose writes it
(NDJSON, or objects back to back). Each event's CurrentAgentSnapshot says what the agent is
doing; the state entered at EventTimestamp is, in this order:

- LOGOUT → `logged_out`;
- a contact CONNECTED or CONNECTED_ONHOLD → `talking`; else a contact ENDED (it stays in the
  snapshot while the agent does after-contact work) → `acw`;
- else by AgentStatus.Name: an available status (`Available`) → `available`, an offline one
  (`Offline`) → `logged_out`, any other (the centre's custom statuses: Break, Lunch,
  Training…) → `not_ready` with the status name as `reason`. Contacts still ringing
  (INCOMING, CONNECTING…) or missed leave the status to decide.

The option lists `available_statuses` and `offline_statuses` name the statuses of a centre
that renamed them. `queues` are the routing profile's inbound queues that the feed maps;
queues it does not map belong to other vendors' clients and are left out.

HEART_BEAT events are skipped, on purpose: Connect sends one every 120 s while nothing
changes, so it repeats a state that a LOGIN or STATE_CHANGE already sent.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ingest.adapters.base import FeedConfig, Item, SourceRejected
from ingest.adapters.json_records import (
    array,
    json_kind,
    known,
    moment,
    read_json_records,
    required,
    text_field,
)

EVENT_TYPES = ("LOGIN", "LOGOUT", "STATE_CHANGE", "HEART_BEAT")
TALKING_STATES = frozenset({"CONNECTED", "CONNECTED_ONHOLD"})
ACW_STATE = "ENDED"


class Options(BaseModel):
    """The agent statuses of the Connect instance, when it renamed the system ones."""

    model_config = ConfigDict(extra="forbid")

    available_statuses: list[str] = Field(
        default=["Available"], description="Agent status names that take contacts."
    )
    offline_statuses: list[str] = Field(
        default=["Offline"], description="Agent status names that count as logged out."
    )


class ConnectAgentEvents:
    """The `connect-agent-events` feed format."""

    name = "connect-agent-events"
    Options = Options
    media_types = ("application/x-ndjson", "application/json")
    status_code = 200

    def parse(self, body: bytes, content_type: str | None, feed: FeedConfig) -> list[Item]:
        """Turn each agent event into the state it enters (heartbeats skipped)."""
        options = feed.options if isinstance(feed.options, Options) else Options()
        items = []
        for record in read_json_records(body):
            if record.error is not None:
                items.append(Item.rejected("agent-events", record.index, record.text, record.error))
                continue
            try:
                value = agent_state(record.value, feed, options)
            except SourceRejected as exc:
                items.append(Item.rejected("agent-events", record.index, record.text, *exc.errors))
                continue
            if value is not None:
                items.append(Item("agent-events", record.index, record.text, value))
        return items


def agent_state(record: Any, feed: FeedConfig, options: Options) -> dict[str, Any] | None:
    """Map one agent event to an agent event record, or None for a heartbeat."""
    if not isinstance(record, dict):
        raise SourceRejected(
            f"record: expected an agent event (a JSON object), got {json_kind(record)}"
        )
    event_type = required(text_field(record, "EventType"), "EventType")
    if event_type not in EVENT_TYPES:
        raise SourceRejected(f"EventType: {event_type!r} is not one of {', '.join(EVENT_TYPES)}")
    if event_type == "HEART_BEAT":
        return None
    snapshot = "CurrentAgentSnapshot"
    username = f"{snapshot}.Configuration.Username"
    agent = required(text_field(record, username), username)
    state, reason = (
        ("logged_out", None) if event_type == "LOGOUT" else _state(record, snapshot, options)
    )
    event = {
        "agent": agent,
        "state": state,
        "at": required(moment(record, "EventTimestamp", feed), "EventTimestamp"),
        "reason": reason,
        "queues": _queues(record, f"{snapshot}.Configuration.RoutingProfile.InboundQueues", feed),
    }
    return known(event)


def _state(record: Any, snapshot: str, options: Options) -> tuple[str, str | None]:
    """Return the state and not-ready reason an agent snapshot shows."""
    contacts = array(record, f"{snapshot}.Contacts")
    states = {text_field(contact, "State") for contact in contacts}
    if states & TALKING_STATES:
        return "talking", None
    if ACW_STATE in states:
        return "acw", None
    status_path = f"{snapshot}.AgentStatus.Name"
    status = required(text_field(record, status_path), status_path)
    if status in options.available_statuses:
        return "available", None
    if status in options.offline_statuses:
        return "logged_out", None
    return "not_ready", status


def _queues(record: Any, path: str, feed: FeedConfig) -> list[str] | None:
    """Return the CallPulse codes of the routing profile's queues that the feed maps."""
    names = [text_field(queue, "Name") for queue in array(record, path)]
    codes = sorted(
        {feed.queues[name] for name in names if name is not None and name in feed.queues}
    )
    return codes or None


ADAPTER = ConnectAgentEvents()
