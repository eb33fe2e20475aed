"""`genesys-conversations`: Genesys Cloud analytics conversation details → calls and tickets.

A body is a conversation details query answer (`{"conversations": [...]}`, its `index` the
position in that array), an array of conversations, one conversation, or NDJSON. A
conversation's queue visits are the sessions of its `acd` participants with a `queueId` on
their segments; each visit is one call (or ticket) in that queue, so a conversation
transferred between queues is one call in each. Its id is the conversationId for the first
visit and `conversationId:2`, `:3`… for later ones, in the order they started, which a later
query of the same conversation keeps.

- offered_at = the visit's first segmentStart; the agent who answered it is the `agent`
  participant (userId → agent) whose session alerted for the same queue during the visit and
  has an `interact` segment: its start → answered_at, the end of its last talk or hold
  segment → ended_at, Σ interact → talk_s, Σ hold → hold_s, Σ wrapup → acw_s, the wrap-up
  segment's wrapUpCode → disposition; nTransferred, or a transfer disconnectType on its
  last segment, → transferred.
- Exit reason of an inbound visit nobody answered, ended at its last segmentEnd: `abandoned`
  with the tAbandon (or tShortAbandon) metric; `timeout` (overflowed) with tFlowOut or a
  transfer disconnectType (the in-queue flow moved it on); otherwise `abandoned` (the
  caller or the line ended it while waiting). An answered visit is `answered`; an open
  visit has neither an end nor an exit reason.
- mediaType voice → calls (direction from the session, else the conversation's
  originatingDirection); callback → outbound calls (the agent dials the customer back);
  chat, email and message (sms → sms, webmessaging → chat, other platforms → social) →
  tickets (created_at the offer, first_response_at the answer, resolved_at the end).
  Other media are rejected by name, as is a conversation that never reached a queue.
- Detail records grow while a conversation lasts and carry no update time: `version` is the
  latest moment the record knows (its newest segment boundary), so an older copy of a
  conversation is a duplicate, never an overwrite.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ingest.adapters.base import FeedConfig, Item, ItemKind, NoOptions, SourceRejected
from ingest.adapters.json_records import (
    array,
    field,
    json_kind,
    known,
    moment,
    read_json_records,
    required,
    text_field,
)

CALL_MEDIA = frozenset({"voice", "callback"})
TICKET_MEDIA = frozenset({"chat", "email", "message"})
MESSAGE_CHANNELS = {"sms": "sms", "webmessaging": "chat"}
TRANSFER_DISCONNECTS = frozenset(
    {"transfer", "consultTransfer", "conferenceTransfer", "forwardTransfer", "noAnswerTransfer"}
)
ABANDON_METRICS = frozenset({"tAbandon", "tShortAbandon"})
TALK_SEGMENTS = frozenset({"interact", "hold"})


@dataclass(frozen=True)
class Segment:
    """One segment of a session: its type, its span, and how it ended."""

    path: str
    kind: str | None
    start: datetime
    end: datetime | None
    queue_id: str | None
    disconnect: str | None
    wrap_up_code: str | None

    @property
    def seconds(self) -> float:
        return 0.0 if self.end is None else (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class Session:
    """One session of a participant, its segments in time order."""

    path: str
    purpose: str | None
    user_id: str | None
    media: str | None
    direction: str | None
    message_type: str | None
    metrics: dict[str, float]
    segments: tuple[Segment, ...]

    def total(self, kind: str) -> float:
        return sum(segment.seconds for segment in self.segments if segment.kind == kind)


class GenesysConversations:
    """The `genesys-conversations` feed format."""

    name = "genesys-conversations"
    Options = NoOptions
    media_types = ("application/json", "application/x-ndjson")
    status_code = 200

    def parse(self, body: bytes, content_type: str | None, feed: FeedConfig) -> list[Item]:
        """Turn each conversation into one call or ticket per queue visit."""
        items: list[Item] = []
        for index, text, value, error in _conversations(body):
            if error is not None:
                items.append(Item.rejected("calls", index, text, error))
                continue
            try:
                items += conversation_items(value, index, text, feed)
            except SourceRejected as exc:
                items.append(Item.rejected("calls", index, text, *exc.errors))
        return items


def _conversations(body: bytes) -> list[tuple[int, str, Any, str | None]]:
    """Return (index, text, conversation, error): a query answer counts by its array."""
    records = read_json_records(body)
    if len(records) == 1 and isinstance(records[0].value, dict):
        answer = records[0].value
        if "conversations" in answer and "conversationId" not in answer:
            listed = answer["conversations"] or []
            if not isinstance(listed, list):
                error = f"conversations: expected an array, got {json_kind(listed)}"
                return [(1, records[0].text, None, error)]
            return [
                (position, json.dumps(item, ensure_ascii=False), item, None)
                for position, item in enumerate(listed, 1)
            ]
    return [(record.index, record.text, record.value, record.error) for record in records]


def conversation_items(record: Any, index: int, text: str, feed: FeedConfig) -> list[Item]:
    """Map one conversation to an item per queue visit (a rejection for a visit that fails)."""
    if not isinstance(record, dict):
        raise SourceRejected(
            f"record: expected a conversation (a JSON object), got {json_kind(record)}"
        )
    conversation_id = required(text_field(record, "conversationId"), "conversationId")
    sessions = _sessions(record, feed)
    visits = sorted(
        (session for session in sessions if session.purpose == "acd" and _queue_of(session)),
        key=lambda session: session.segments[0].start,
    )
    if not visits:
        raise SourceRejected(
            "participants: no acd participant with a queueId: the conversation never waited"
            " in a queue (IVR only, or a direct call); CallPulse counts queue contacts only"
        )
    version = max(
        moment_
        for session in sessions
        for segment in session.segments
        for moment_ in (segment.start, segment.end)
        if moment_ is not None
    )
    agents = [session for session in sessions if session.purpose == "agent"]
    items = []
    for number, visit in enumerate(visits, 1):
        call_id = conversation_id if number == 1 else f"{conversation_id}:{number}"
        kind: ItemKind = "tickets" if visit.media in TICKET_MEDIA else "calls"
        try:
            value = _visit(record, visit, call_id, agents, version, feed)
        except SourceRejected as exc:
            items.append(Item.rejected(kind, index, text, *exc.errors))
        else:
            items.append(Item(kind, index, text, value))
    return items


def _visit(
    record: dict[str, Any],
    visit: Session,
    call_id: str,
    agents: list[Session],
    version: datetime,
    feed: FeedConfig,
) -> dict[str, Any]:
    """Map one queue visit to a call or a ticket."""
    queue_id = _queue_of(visit) or ""
    queue = feed.queue(queue_id)
    if visit.media not in CALL_MEDIA | TICKET_MEDIA:
        raise SourceRejected(
            f"{visit.path}.mediaType: {visit.media!r} is not voice, callback, chat, email"
            " or message"
        )
    offered_at = visit.segments[0].start
    left_at = visit.segments[-1].end
    answer = _answering_agent(visit, queue_id, agents)
    talk = (
        [segment for segment in answer.segments if segment.kind in TALK_SEGMENTS] if answer else []
    )
    answered_at = talk[0].start if talk else None
    ended_at = talk[-1].end if talk else left_at
    if visit.media in TICKET_MEDIA:
        ticket = {
            "ticket_id": call_id,
            "queue": queue,
            "channel": _ticket_channel(visit),
            "created_at": offered_at,
            "first_response_at": answered_at,
            "resolved_at": ended_at,
            "agent": answer.user_id if answer else None,
            "version": version,
        }
        return known(ticket)
    direction = visit.direction or text_field(record, "originatingDirection")
    outbound = visit.media == "callback" or direction == "outbound"
    call: dict[str, Any] = {
        "call_id": call_id,
        "queue": queue,
        "direction": "outbound" if outbound else "inbound",
        "offered_at": offered_at,
        "answered_at": answered_at,
        "ended_at": ended_at,
        "exit_reason": None if outbound else _exit_reason(visit, answer, left_at),
        "version": version,
    }
    if answer is not None:
        wrap_ups = [segment.wrap_up_code for segment in answer.segments if segment.wrap_up_code]
        wrapped = any(segment.kind == "wrapup" for segment in answer.segments)
        call |= {
            "agent": answer.user_id,
            "talk_s": answer.total("interact"),
            "hold_s": answer.total("hold"),
            "acw_s": answer.total("wrapup") if wrapped else None,
            "transferred": answer.metrics.get("nTransferred", 0) > 0
            or talk[-1].disconnect in TRANSFER_DISCONNECTS,
            "disposition": wrap_ups[-1] if wrap_ups else None,
        }
    return known(call)


def _exit_reason(visit: Session, answer: Session | None, left_at: datetime | None) -> str | None:
    """How an inbound visit left its queue (DESIGN §7), None while it waits."""
    if answer is not None:
        return "answered"
    if left_at is None:
        return None
    if ABANDON_METRICS & visit.metrics.keys():
        return "abandoned"
    if "tFlowOut" in visit.metrics or visit.segments[-1].disconnect in TRANSFER_DISCONNECTS:
        return "timeout"
    return "abandoned"


def _answering_agent(visit: Session, queue_id: str, agents: list[Session]) -> Session | None:
    """Return the agent session that answered a visit: offered during it, from its queue."""
    start, end = visit.segments[0].start, visit.segments[-1].end
    for agent in sorted(agents, key=lambda session: session.segments[0].start):
        offered = agent.segments[0].start
        if (
            agent.media == visit.media
            and _queue_of(agent) == queue_id
            and start <= offered
            and (end is None or offered <= end)
            and any(segment.kind == "interact" for segment in agent.segments)
        ):
            return agent
    return None


def _queue_of(session: Session) -> str | None:
    return next((s.queue_id for s in session.segments if s.queue_id), None)


def _ticket_channel(visit: Session) -> str:
    if visit.media == "message":
        return MESSAGE_CHANNELS.get(visit.message_type or "", "social")
    return visit.media or ""


def _sessions(record: dict[str, Any], feed: FeedConfig) -> list[Session]:
    """Read every participant's sessions that have segments."""
    sessions = []
    for p, participant in enumerate(array(record, "participants")):
        path = f"participants.{p}"
        for s, session in enumerate(array(record, f"{path}.sessions")):
            where = f"{path}.sessions.{s}"
            segments = sorted(
                (
                    _segment(record, f"{where}.segments.{n}", feed)
                    for n in range(len(array(record, f"{where}.segments")))
                ),
                key=lambda segment: segment.start,
            )
            if not segments:
                continue
            metrics = _metrics(record, f"{where}.metrics")
            sessions.append(
                Session(
                    path=where,
                    purpose=text_field(participant, "purpose"),
                    user_id=text_field(participant, "userId"),
                    media=text_field(session, "mediaType"),
                    direction=text_field(session, "direction"),
                    message_type=text_field(session, "messageType"),
                    metrics=metrics,
                    segments=tuple(segments),
                )
            )
    return sessions


def _metrics(record: dict[str, Any], path: str) -> dict[str, float]:
    """Read a session's metrics by name (durations in ms, counts)."""
    metrics: dict[str, float] = {}
    for m in range(len(array(record, path))):
        name = required(text_field(record, f"{path}.{m}.name"), f"{path}.{m}.name")
        value = field(record, f"{path}.{m}.value")
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise SourceRejected(f"{path}.{m}.value: expected a number, got {json_kind(value)}")
        metrics[name] = metrics.get(name, 0) + value
    return metrics


def _segment(record: dict[str, Any], path: str, feed: FeedConfig) -> Segment:
    start = required(moment(record, f"{path}.segmentStart", feed), f"{path}.segmentStart")
    end = moment(record, f"{path}.segmentEnd", feed)
    if end is not None and end < start:
        raise SourceRejected(f"{path}.segmentEnd: {end.isoformat()} is before segmentStart")
    return Segment(
        path=path,
        kind=text_field(record, f"{path}.segmentType"),
        start=start,
        end=end,
        queue_id=text_field(record, f"{path}.queueId"),
        disconnect=text_field(record, f"{path}.disconnectType"),
        wrap_up_code=text_field(record, f"{path}.wrapUpCode"),
    )


ADAPTER = GenesysConversations()
