"""`connect-ctr`: Amazon Connect contact records (CTRs) → calls and tickets.

A body is one contact record, an array of them, or the stream Kinesis Data Firehose writes
(NDJSON, or objects back to back). A contact is one visit to one queue: a transfer creates a
new ContactId (InitiationMethod TRANSFER or QUEUE_TRANSFER, PreviousContactId set), so a call
transferred from one queue to another is one call in each, keyed by its ContactId.

- VOICE → a call: Queue.EnqueueTimestamp → offered_at (OUTBOUND/EXTERNAL_OUTBOUND, which
  never wait in a queue: InitiationTimestamp), Agent.ConnectedToAgentTimestamp → answered_at,
  DisconnectTimestamp → ended_at (unanswered: Queue.DequeueTimestamp, when it left the queue),
  Agent.Username → agent, AgentInteractionDuration → talk_s, CustomerHoldDuration → hold_s,
  AfterContactWorkDuration → acw_s; an answered contact with a NextContactId was transferred.
- Direction by InitiationMethod: INBOUND, TRANSFER, QUEUE_TRANSFER, API, WEBRTC_API are
  inbound; OUTBOUND, EXTERNAL_OUTBOUND, CALLBACK (the agent dials the customer back, who is
  not on the line while it waits) and AGENT_REPLY are outbound; other methods (MONITOR,
  DISCONNECT, FLOW) are not queue contacts and are rejected by name.
- Exit reason of an inbound call: `answered` when an agent connected; left unanswered with a
  NextContactId (a transfer out of the queue flow) or ended by the flow
  (CONTACT_FLOW_DISCONNECT): `timeout`, i.e. overflowed; any other unanswered end:
  `abandoned`; none while the contact is still open.
- CHAT and EMAIL → tickets (channel chat/email): created_at the enqueue, first_response_at
  the agent's connection, resolved_at the disconnect. TASK (back-office work) is rejected.
- A contact without a Queue never waited for an agent (it ended in a flow), and one routed to
  a queue it never entered (no EnqueueTimestamp) was turned away before waiting: both are
  rejected by name, so nothing is dropped unseen.
- Connect delivers records at least once: LastUpdateTimestamp (required) → `version`, so an
  older copy of a contact is a duplicate, never an overwrite.
"""

from datetime import datetime
from typing import Any

from ingest.adapters.base import FeedConfig, Item, ItemKind, NoOptions, SourceRejected
from ingest.adapters.json_records import (
    field,
    json_kind,
    known,
    moment,
    read_json_records,
    required,
    text_field,
)

INBOUND_METHODS = frozenset({"INBOUND", "TRANSFER", "QUEUE_TRANSFER", "API", "WEBRTC_API"})
OUTBOUND_METHODS = frozenset({"OUTBOUND", "EXTERNAL_OUTBOUND", "CALLBACK", "AGENT_REPLY"})
NOT_WAITING_METHODS = frozenset({"OUTBOUND", "EXTERNAL_OUTBOUND"})
TICKET_CHANNELS = {"CHAT": "chat", "EMAIL": "email"}
OVERFLOW_DISCONNECTS = frozenset({"CONTACT_FLOW_DISCONNECT"})


class ConnectContactRecords:
    """The `connect-ctr` feed format."""

    name = "connect-ctr"
    Options = NoOptions
    media_types = ("application/x-ndjson", "application/json")
    status_code = 200

    def parse(self, body: bytes, content_type: str | None, feed: FeedConfig) -> list[Item]:
        """Turn each contact record into a call or a ticket, or a rejection naming the field."""
        items = []
        for record in read_json_records(body):
            kind: ItemKind = (
                "tickets" if _channel_hint(record.value) in TICKET_CHANNELS else "calls"
            )
            if record.error is not None:
                items.append(Item.rejected(kind, record.index, record.text, record.error))
                continue
            try:
                kind, value = contact(record.value, feed)
            except SourceRejected as exc:
                items.append(Item.rejected(kind, record.index, record.text, *exc.errors))
            else:
                items.append(Item(kind, record.index, record.text, value))
        return items


def contact(record: Any, feed: FeedConfig) -> tuple[ItemKind, dict[str, Any]]:
    """Map one contact record to a call (VOICE) or a ticket (CHAT, EMAIL)."""
    if not isinstance(record, dict):
        raise SourceRejected(
            f"record: expected a contact record (a JSON object), got {json_kind(record)}"
        )
    contact_id = required(text_field(record, "ContactId"), "ContactId")
    channel = required(text_field(record, "Channel"), "Channel")
    method = required(text_field(record, "InitiationMethod"), "InitiationMethod")
    if channel == "TASK":
        raise SourceRejected(
            "Channel: TASK contacts are back-office work items, not customer contacts;"
            " CallPulse has no record for them"
        )
    if channel != "VOICE" and channel not in TICKET_CHANNELS:
        raise SourceRejected(f"Channel: {channel!r} is not VOICE, CHAT, EMAIL or TASK")
    if method not in INBOUND_METHODS | OUTBOUND_METHODS:
        raise SourceRejected(
            f"InitiationMethod: {method} contacts (monitoring, disconnect flows) are not"
            " customer contacts in a queue"
        )
    version = required(moment(record, "LastUpdateTimestamp", feed), "LastUpdateTimestamp")
    queue_name = text_field(record, "Queue.Name")
    if queue_name is None:
        raise SourceRejected(
            "Queue: the contact never reached a queue (it ended in a flow or went straight to"
            " a number); CallPulse counts queue contacts only"
        )
    queue = feed.queue(queue_name)
    offered_at = moment(record, "Queue.EnqueueTimestamp", feed)
    if offered_at is None and method in NOT_WAITING_METHODS:
        offered_at = moment(record, "InitiationTimestamp", feed)
    if offered_at is None:
        raise SourceRejected(
            f"Queue.EnqueueTimestamp: missing: the contact was routed to queue {queue_name!r}"
            " but never entered it (the flow ended first, or the queue was full or closed)"
        )
    answered_at = moment(record, "Agent.ConnectedToAgentTimestamp", feed)
    disconnected_at = moment(record, "DisconnectTimestamp", feed)
    agent = text_field(record, "Agent.Username")
    if channel in TICKET_CHANNELS:
        if method in OUTBOUND_METHODS:
            raise SourceRejected(
                f"InitiationMethod: {method} {channel} contacts are sent by agents;"
                " only customers' contacts become tickets"
            )
        ticket = {
            "ticket_id": contact_id,
            "queue": queue,
            "channel": TICKET_CHANNELS[channel],
            "created_at": offered_at,
            "first_response_at": answered_at,
            "resolved_at": disconnected_at,
            "agent": agent,
            "version": version,
        }
        return "tickets", known(ticket)
    inbound = method in INBOUND_METHODS
    next_contact = text_field(record, "NextContactId")
    ended_at = disconnected_at
    if answered_at is None:
        ended_at = moment(record, "Queue.DequeueTimestamp", feed) or disconnected_at
    call = {
        "call_id": contact_id,
        "queue": queue,
        "direction": "inbound" if inbound else "outbound",
        "offered_at": offered_at,
        "answered_at": answered_at,
        "ended_at": ended_at,
        "agent": agent,
        "talk_s": field(record, "Agent.AgentInteractionDuration"),
        "hold_s": field(record, "Agent.CustomerHoldDuration"),
        "acw_s": field(record, "Agent.AfterContactWorkDuration"),
        "transferred": None if answered_at is None else next_contact is not None,
        "exit_reason": _exit_reason(record, answered_at, ended_at, next_contact)
        if inbound
        else None,
        "version": version,
    }
    return "calls", known(call)


def _exit_reason(
    record: dict[str, Any],
    answered_at: datetime | None,
    ended_at: datetime | None,
    next_contact: str | None,
) -> str | None:
    """How an inbound contact left its queue (DESIGN §7), None while it is still open."""
    if answered_at is not None:
        return "answered"
    if ended_at is None:
        return None
    if next_contact is not None or text_field(record, "DisconnectReason") in OVERFLOW_DISCONNECTS:
        return "timeout"
    return "abandoned"


def _channel_hint(record: Any) -> str | None:
    """Return the Channel of a record that may not map, to file its rejection as call or ticket."""
    channel = record.get("Channel") if isinstance(record, dict) else None
    return channel if isinstance(channel, str) else None


ADAPTER = ConnectContactRecords()
