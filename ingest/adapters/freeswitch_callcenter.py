"""FreeSWITCH mod_callcenter (DESIGN §13): ESL `callcenter::info` events and xml_cdr JSON.

The body is a JSON object, an array or NDJSON; each element is either an ESL event (as
`event json CUSTOM callcenter::info` delivers it: every header a string) or an xml_cdr JSON
record (`{"variables": {...}}`). Both may share a body.

A call is one queue visit, keyed `<member channel uuid>@<CC-Queue>` (`CC-Member-Session-UUID`
in events, `uuid` in the member leg's CDR), so an event stream and the CDRs of the same calls
merge into the same rows, a resumed member (`abandoned-resume-allowed`: a new channel) is a new
call, and a channel sent from one queue to another is one call in each, as for Asterisk.
`CC-Queue` is `name@domain`; `queues:` in the feed may name either (`support@default` is
looked up first, then `support`).

Events (the moments mod_callcenter stamps, so replays give the same rows in any order):
- member-queue-start, member-queue-resume → offered at `Event-Date-Timestamp`.
- bridge-agent-start → answered at `CC-Agent-Answered-Time` by `CC-Agent`.
- member-queue-end, `CC-Cause: Terminated` → ended at `CC-Member-Leaving-Time`.
- member-queue-end, `CC-Cause: Cancel` → left the queue at `CC-Member-Leaving-Time`, with the
  exit reason of `CC-Cancel-Reason` (`EXIT_REASONS`).
- agent-status-change, agent-state-change → agent states (`AGENT_STATUSES`, `AGENT_STATES`).
- bridge-agent-end, bridge-agent-fail, agent-offering, agent-max-no-answer, members-count,
  agent-add, agent-contact-change, agent-*-get: carry no moment CallPulse keeps (the end of a
  bridge is member-queue-end's leaving time; a failed offer rings on), so they give no record.
Any other `CC-Action`, or an event of another subclass, is a rejection naming it.

xml_cdr: the member leg (`cc_side=member`) of a queue call is one call record from the `cc_*`
variables; the agent leg (`cc_side=agent`) is the same call seen from the agent's phone and a
CDR without `cc_queue` is no queue call: both give no record, so nothing counts twice.
"""

import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from app.core.errors import UnsupportedMediaType
from ingest.adapters.base import FeedConfig, Item, ItemKind, NoOptions, SourceRejected
from ingest.adapters.source_times import from_epoch, optional_epoch
from ingest.body import CSV_TYPES, media_type, parse_body

SUBCLASS = "callcenter::info"
EXIT_REASONS = {
    "NONE": "abandoned",  # the caller hung up as an agent was being connected
    "BREAK_OUT": "abandoned",  # the caller hung up while waiting (or the dialplan broke out)
    "TIMEOUT": "timeout",  # the queue's max-wait-time
    "NO_AGENT_TIMEOUT": "leave_empty",  # max-wait-time-with-no-agent: no agent logged in
    "EXIT_WITH_KEY": "exit_key",  # the caller pressed one of cc_exit_keys
}
AGENT_STATUSES = {
    "Available": ("available", None),
    "Available (On Demand)": ("available", None),
    "On Break": ("not_ready", "On Break"),
    "Logged Out": ("logged_out", None),
}
AGENT_STATES = {
    "Waiting": ("available", None),
    "Receiving": ("available", None),  # ringing: still waiting for a call
    "Reserved": ("available", None),
    "In a queue call": ("talking", None),
    "Idle": ("not_ready", "Idle"),
}
IGNORED_ACTIONS = frozenset(
    {
        "bridge-agent-end",
        "bridge-agent-fail",
        "agent-offering",
        "agent-max-no-answer",
        "members-count",
        "agent-add",
        "agent-contact-change",
    }
)
Record = Mapping[str, Any]


def _text(record: Record, field_name: str) -> str:
    """Return a required non-empty text field, or a named rejection."""
    value = record.get(field_name)
    if value is None or not str(value).strip():
        raise SourceRejected(f"{field_name}: required")
    return str(value).strip()


def _queue(feed: FeedConfig, name: str) -> str:
    """Return the queue code of `name@domain`, mapped by its full name or by `name` alone."""
    short = name.split("@", 1)[0]
    return feed.queue(short if name not in feed.queues and short in feed.queues else name)


def _event_time(event: Record, feed: FeedConfig) -> datetime:
    """Return when the event fired: `Event-Date-Timestamp` (µs), else `Event-Date-Local`."""
    if event.get("Event-Date-Timestamp"):
        return from_epoch(event["Event-Date-Timestamp"], "Event-Date-Timestamp", "us")
    local = _text(event, "Event-Date-Local")
    try:
        moment = datetime.strptime(local, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise SourceRejected(f"Event-Date-Local: {local!r} is not YYYY-MM-DD HH:MM:SS") from None
    return feed.moment(moment, "Event-Date-Local")


def _call_event(event: Record, feed: FeedConfig, name: str, at: datetime) -> dict[str, Any]:
    queue_name = _text(event, "CC-Queue")
    return {
        "call_id": f"{_text(event, 'CC-Member-Session-UUID')}@{queue_name}",
        "queue": _queue(feed, queue_name),
        "event": name,
        "at": at,
    }


def _offered(event: Record, feed: FeedConfig) -> dict[str, Any]:
    return _call_event(event, feed, "offered", _event_time(event, feed))


def _answered(event: Record, feed: FeedConfig) -> dict[str, Any]:
    at = from_epoch(event.get("CC-Agent-Answered-Time"), "CC-Agent-Answered-Time")
    value = _call_event(event, feed, "answered", at)
    return {**value, "agent": _text(event, "CC-Agent"), "exit_reason": "answered"}


def _left(event: Record, feed: FeedConfig) -> dict[str, Any]:
    at = from_epoch(event.get("CC-Member-Leaving-Time"), "CC-Member-Leaving-Time")
    cause = event.get("CC-Cause")
    if cause == "Terminated":
        value = _call_event(event, feed, "ended", at)
        return {**value, "agent": _text(event, "CC-Agent"), "exit_reason": "answered"}
    if cause != "Cancel":
        raise SourceRejected(f"CC-Cause: {cause!r} is neither Terminated nor Cancel")
    reason = EXIT_REASONS.get(str(event.get("CC-Cancel-Reason")))
    if reason is None:
        raise SourceRejected(
            f"CC-Cancel-Reason: {event.get('CC-Cancel-Reason')!r} is not one of"
            f" {', '.join(EXIT_REASONS)}"
        )
    name = "abandoned" if reason == "abandoned" else "ended"
    return {**_call_event(event, feed, name, at), "exit_reason": reason}


def _agent_event(header: str, table: Mapping[str, tuple[str, str | None]]) -> Callable[..., Any]:
    def build(event: Record, feed: FeedConfig) -> dict[str, Any]:
        found = table.get(str(event.get(header)))
        if found is None:
            raise SourceRejected(
                f"{header}: {event.get(header)!r} is not one of {', '.join(table)}"
            )
        state, reason = found
        value = {"agent": _text(event, "CC-Agent"), "state": state, "at": _event_time(event, feed)}
        return value | ({"reason": reason} if reason else {})

    return build


_ACTIONS: dict[str, tuple[ItemKind, Callable[[Record, FeedConfig], dict[str, Any]]]] = {
    "member-queue-start": ("call-events", _offered),
    "member-queue-resume": ("call-events", _offered),
    "bridge-agent-start": ("call-events", _answered),
    "member-queue-end": ("call-events", _left),
    "agent-status-change": ("agent-events", _agent_event("CC-Agent-Status", AGENT_STATUSES)),
    "agent-state-change": ("agent-events", _agent_event("CC-Agent-State", AGENT_STATES)),
}


def _event_items(event: Record, index: int, source: str, feed: FeedConfig) -> list[Item]:
    action = str(event.get("CC-Action"))
    found = _ACTIONS.get(action)
    kind: ItemKind = found[0] if found else "call-events"
    try:
        if event.get("Event-Subclass") != SUBCLASS:
            raise SourceRejected(
                f"Event-Subclass: {event.get('Event-Subclass')!r} is not {SUBCLASS}; subscribe"
                f" the shipper to `CUSTOM {SUBCLASS}` only"
            )
        if found is None:
            if action in IGNORED_ACTIONS or (
                action.startswith("agent-") and action.endswith("-get")
            ):
                return []
            raise SourceRejected(f"CC-Action: unknown action {action!r}")
        return [Item(kind, index, source, found[1](event, feed))]
    except SourceRejected as rejected:
        return [Item.rejected(kind, index, source, *rejected.errors)]


def _cdr_call(variables: Record, feed: FeedConfig) -> dict[str, Any] | None:
    """Return the call record of a member leg's CDR, or None for another leg."""
    queue_name = variables.get("cc_queue")
    if not queue_name or variables.get("cc_side") == "agent":
        return None
    if variables.get("cc_side") != "member":
        raise SourceRejected(
            f"variables.cc_side: {variables.get('cc_side')!r} is neither member nor agent"
        )
    answered = optional_epoch(
        variables.get("cc_queue_answered_epoch"), "variables.cc_queue_answered_epoch"
    )
    call = {
        "call_id": f"{_text(variables, 'uuid')}@{queue_name}",
        "queue": _queue(feed, str(queue_name)),
        "offered_at": from_epoch(
            variables.get("cc_queue_joined_epoch"), "variables.cc_queue_joined_epoch"
        ),
        "answered_at": answered,
        "ended_at": _cdr_ended(variables),
        "agent": variables.get("cc_agent") if answered else None,
        "hold_s": _cdr_hold(variables),
        "exit_reason": _cdr_exit(variables, answered),
    }
    return {name: value for name, value in call.items() if value is not None}


def _cdr_exit(variables: Record, answered: datetime | None) -> str:
    """Return the exit reason of `cc_cause` (answered or cancel) and `cc_cancel_reason`."""
    cause = variables.get("cc_cause")
    if cause == "answered":
        if answered is None:
            raise SourceRejected(
                "variables.cc_queue_answered_epoch: required with cc_cause answered"
            )
        return "answered"
    if cause != "cancel":
        raise SourceRejected(f"variables.cc_cause: {cause!r} is neither answered nor cancel")
    reason = EXIT_REASONS.get(str(variables.get("cc_cancel_reason")))
    if reason is None:
        raise SourceRejected(
            f"variables.cc_cancel_reason: {variables.get('cc_cancel_reason')!r} is not one"
            f" of {', '.join(EXIT_REASONS)}"
        )
    return reason


def _cdr_ended(variables: Record) -> datetime | None:
    """Return when the call left the queue's care: end of the bridge, cancel, or hang-up."""
    for name in ("cc_queue_terminated_epoch", "cc_queue_canceled_epoch", "end_epoch"):
        if moment := optional_epoch(variables.get(name), f"variables.{name}"):
            return moment
    return None


def _cdr_hold(variables: Record) -> float | None:
    """Return the seconds the caller spent on hold (`hold_accum_seconds`), if any."""
    value = str(variables.get("hold_accum_seconds", "")).strip()
    if value in ("", "0"):
        return None
    try:
        return float(value)
    except ValueError:
        raise SourceRejected(
            f"variables.hold_accum_seconds: {value!r} is not a number of seconds"
        ) from None


def _cdr_items(record: Record, index: int, source: str, feed: FeedConfig) -> list[Item]:
    try:
        call = _cdr_call(record["variables"], feed)
    except SourceRejected as rejected:
        return [Item.rejected("calls", index, source, *rejected.errors)]
    return [] if call is None else [Item("calls", index, source, call)]


class FreeswitchCallcenter:
    """The `freeswitch-callcenter` format: ESL events and xml_cdr records, as JSON."""

    name = "freeswitch-callcenter"
    Options = NoOptions
    media_types = ("application/x-ndjson", "application/json")
    status_code = 200

    def parse(self, body: bytes, content_type: str | None, feed: FeedConfig) -> list[Item]:
        """Parse a JSON object, array or NDJSON body of events and CDRs into items."""
        if media_type(content_type) in CSV_TYPES:
            raise UnsupportedMediaType(
                "freeswitch-callcenter reads JSON: send application/x-ndjson (one event or CDR"
                " a line) or application/json (an object or an array)"
            )
        items: list[Item] = []
        # The feed pipeline bounds the number of items; the split itself takes any count.
        for raw in parse_body(body, content_type, sys.maxsize):
            index, source = raw.line or raw.index + 1, raw.text
            if raw.error:
                items.append(Item.rejected("call-events", index, source, raw.error))
            elif isinstance(raw.value, dict) and isinstance(raw.value.get("variables"), dict):
                items += _cdr_items(raw.value, index, source, feed)
            elif isinstance(raw.value, dict) and "Event-Name" in raw.value:
                items += _event_items(raw.value, index, source, feed)
            else:
                items.append(
                    Item.rejected(
                        "call-events",
                        index,
                        source,
                        "record: neither an ESL event (Event-Name) nor an xml_cdr record"
                        " (variables)",
                    )
                )
        return items


ADAPTER = FreeswitchCallcenter()
