"""What each Asterisk queue_log event means to CallPulse: call events, blocked calls, agent states.

One line makes its items alone, from nothing but itself, so any line order (and any split of
a log into batches) gives the same items; the writer merges a call's events by `call_id`.

A call is keyed by (callid, source queue): `call_id = "<callid>@<queue name as logged>"`, so
a caller transferred from q1 to q2 is one call in each queue (as Asterisk logs it and Wazo
counts it), and renaming a queue's CallPulse code in the YAML keeps the ids. The wait comes
from the line times (ENTERQUEUE → CONNECT): Asterisk's `holdtime` is the queue wait, not
CallPulse's `hold_s` (on hold during the talk); a completing line's `calltime` is `talk_s`.
A completing line also dates the answer (end − calltime) and the offer (− holdtime) as
estimates, which count only for a call whose CONNECT or ENTERQUEUE is not in the log (a
log that starts mid-call, as Wazo counts it). Every call line names its exit (`exit_reason`):

| event | call event | exit_reason |
| --- | --- | --- |
| ENTERQUEUE | offered | – |
| CONNECT | answered | answered |
| COMPLETEAGENT, COMPLETECALLER | ended, talk_s = calltime | answered |
| TRANSFER, BLINDTRANSFER, ATTENDEDTRANSFER | ended, transferred, talk_s | answered |
| ABANDON | abandoned | abandoned |
| EXITWITHTIMEOUT / EXITWITHKEY / EXITEMPTY | ended | timeout / exit_key / exit_empty |
| LEAVEEMPTY (Wazo) | ended | leave_empty |
| FULL / JOINEMPTY / CLOSED (Wazo) | `calls`, offered = ended | full / join_empty / closed |
| DIVERT_CA_RATIO, DIVERT_HOLDTIME (Wazo) | `calls`, offered = ended | diverted |

Agent states (the agent code is the member name without its technology and context, so
`Agent/1127`, `Local/1127@callback-agent` and `SIP/1127` are agent `1127`; `queues` is the
line's queue when it names one): ADDMEMBER, AGENTLOGIN, AGENTCALLBACKLOGIN → available;
UNPAUSE, UNPAUSEALL → available as an unpause (a logged-out agent stays logged out: Wazo
logs UNPAUSEALL after a logoff); REMOVEMEMBER, AGENTLOGOFF, AGENTCALLBACKLOGOFF → logged_out
(and, when the logoff carries the session's `logintime`, available at logoff − logintime,
so a log that starts mid-session still counts the login); PAUSE, PAUSEALL → not_ready with
the pause reason; CONNECT → talking; COMPLETE* and TRANSFER* → available (stock Asterisk
logs no wrap-up); Wazo's WRAPUPSTART (data1 = seconds) → acw, then available when it ends.
A member or call line naming no member (`NONE`, empty) makes no agent state.
"""

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from ingest.adapters.base import FeedConfig, Item, ItemKind, SourceRejected

NO_NAME = ("", "NONE")
"""How queue_log spells a missing queue, agent or callid."""

CALL_EVENTS: dict[str, tuple[str, str | None]] = {
    "ENTERQUEUE": ("offered", None),
    "CONNECT": ("answered", "answered"),
    "COMPLETEAGENT": ("ended", "answered"),
    "COMPLETECALLER": ("ended", "answered"),
    "TRANSFER": ("ended", "answered"),
    "BLINDTRANSFER": ("ended", "answered"),
    "ATTENDEDTRANSFER": ("ended", "answered"),
    "ABANDON": ("abandoned", "abandoned"),
    "EXITWITHTIMEOUT": ("ended", "timeout"),
    "EXITWITHKEY": ("ended", "exit_key"),
    "EXITEMPTY": ("ended", "exit_empty"),
    "LEAVEEMPTY": ("ended", "leave_empty"),
}
"""Events of a call that waited in the queue: (call event, exit_reason)."""

TRANSFERS = frozenset({"TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"})
TALK_FIELDS = {"COMPLETEAGENT": 1, "COMPLETECALLER": 1, **dict.fromkeys(TRANSFERS, 3)}
"""Where a completing line keeps `calltime` (0-based data position)."""
DAY_S = 86_400

BLOCKED_EVENTS = {
    "FULL": "full",
    "JOINEMPTY": "join_empty",
    "CLOSED": "closed",
    "DIVERT_CA_RATIO": "diverted",
    "DIVERT_HOLDTIME": "diverted",
}
"""Wazo's events of a call that never waited: it is received and blocked, never offered."""

CALL_AGENT_STATES = {
    "CONNECT": "talking",
    "COMPLETEAGENT": "available",
    "COMPLETECALLER": "available",
    "TRANSFER": "available",
    "BLINDTRANSFER": "available",
    "ATTENDEDTRANSFER": "available",
}
"""The answering member's state after a call line."""

MEMBER_STATES = {
    "ADDMEMBER": "available",
    "REMOVEMEMBER": "logged_out",
    "PAUSE": "not_ready",
    "PAUSEALL": "not_ready",
    "UNPAUSE": "available",
    "UNPAUSEALL": "available",
    "AGENTLOGIN": "available",
    "AGENTCALLBACKLOGIN": "available",
    "AGENTLOGOFF": "logged_out",
    "AGENTCALLBACKLOGOFF": "logged_out",
}
"""Member events: the state the member enters."""

PAUSES = frozenset({"PAUSE", "PAUSEALL"})
UNPAUSES = frozenset({"UNPAUSE", "UNPAUSEALL"})
LOGOFFS = frozenset({"AGENTLOGOFF", "AGENTCALLBACKLOGOFF"})
WRAPUP = "WRAPUPSTART"

SKIPPED_EVENTS = frozenset(
    {
        "QUEUESTART",  # the queue module started; no call, no member
        "CONFIGRELOAD",  # queues.conf reloaded; no call, no member
        "RINGNOANSWER",  # a member rang and did not answer; the call keeps waiting
        "RINGCANCELED",  # the ring to a member was cancelled; the call keeps waiting
        "SYSCOMPAT",  # channels not compatible; the call keeps waiting for another member
        "DID",  # the number dialled, logged before ENTERQUEUE; no outcome
        "INFO",  # free text for humans
        "OUTDIAL",  # PBXware: outbound calls an agent dials, outside any queue (queue NONE)
        "OUTANSWER",
        "OUTCANCEL",
        "OUTCHANUNAVAIL",
        "OUTCONGESTION",
        "OUTTRANSFER",
    }
)
"""Events that carry no queue call outcome and no member state: read and left out."""

KNOWN_EVENTS = (
    CALL_EVENTS.keys() | BLOCKED_EVENTS.keys() | MEMBER_STATES.keys() | {WRAPUP} | SKIPPED_EVENTS
)


class QueueLogLine(NamedTuple):
    """One queue_log line, whatever its layout: time, callid, queue, agent, event, data…."""

    at: datetime
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]


def agent_code(member: str) -> str | None:
    """Return the agent code of a member name: `Local/1127@callback-agent` → `1127`."""
    if member in NO_NAME:
        return None
    return member.split("/", 1)[-1].split("@", 1)[0] or member


def kind_of(event: str) -> ItemKind:
    """Return the kind of record an event makes (a rejection is filed under it)."""
    if event in BLOCKED_EVENTS:
        return "calls"
    if event in CALL_EVENTS:
        return "call-events"
    return "agent-events"


def items_of(line: QueueLogLine, index: int, source: str, feed: FeedConfig) -> list[Item]:
    """Return the items one line makes, or its rejection naming the field."""
    if line.event not in KNOWN_EVENTS:
        return [
            Item.rejected(
                "call-events",
                index,
                source,
                f"event: {line.event!r} is not a queue_log event CallPulse reads",
            )
        ]
    try:
        values = _call_values(line, feed) + _agent_values(line, feed)
    except SourceRejected as rejected:
        return [Item.rejected(kind_of(line.event), index, source, *rejected.errors)]
    return [Item(kind, index, source, value) for kind, value in values]


def _queue_code(line: QueueLogLine, feed: FeedConfig) -> str | None:
    return None if line.queue in NO_NAME else feed.queue(line.queue)


def _call_values(line: QueueLogLine, feed: FeedConfig) -> list[tuple[ItemKind, dict[str, Any]]]:
    if line.event not in CALL_EVENTS and line.event not in BLOCKED_EVENTS:
        return []
    if line.queue in NO_NAME:
        raise SourceRejected(f"queue: {line.event} names no queue")
    if line.callid in NO_NAME:
        raise SourceRejected(f"callid: {line.event} names no call")
    call = {"call_id": f"{line.callid}@{line.queue}", "queue": feed.queue(line.queue)}
    if line.event in BLOCKED_EVENTS:
        blocked = {"offered_at": line.at, "ended_at": line.at}
        return [("calls", call | blocked | {"exit_reason": BLOCKED_EVENTS[line.event]})]
    event, exit_reason = CALL_EVENTS[line.event]
    value = call | {"event": event, "at": line.at}
    if (agent := agent_code(line.agent)) is not None and event != "offered":
        value["agent"] = agent
    if exit_reason is not None:
        value["exit_reason"] = exit_reason
    if line.event in TRANSFERS:
        value["transferred"] = True
    if (talk := _talk_seconds(line)) is not None:
        answered = line.at - timedelta(seconds=talk)
        value |= {"talk_s": talk, "estimated_answered_at": answered}
        if (wait := _wait_seconds(line)) is not None:
            value["estimated_offered_at"] = answered - timedelta(seconds=wait)
    return [("call-events", value)]


def _talk_seconds(line: QueueLogLine) -> float | None:
    """Return the `calltime` a completing line gives, when it is a number of seconds.

    COMPLETE*: data2; TRANSFER, BLINDTRANSFER, ATTENDEDTRANSFER: data4 (ATTENDEDTRANSFER
    LINK|chan|chan|…: data5). PBXware logs other things there (the caller's number): then
    the talk comes from the line times, as for a log without it.
    """
    return _duration(line, TALK_FIELDS.get(line.event))


def _wait_seconds(line: QueueLogLine) -> float | None:
    """Return the `holdtime` (the queue wait) a completing line gives, just before calltime.

    Read only to estimate the offer of a call whose ENTERQUEUE is not in the log (Wazo
    dates such a call end − calltime − holdtime); the ENTERQUEUE, when known, always wins.
    """
    position = TALK_FIELDS.get(line.event)
    return None if position is None else _duration(line, position - 1)


def _duration(line: QueueLogLine, position: int | None) -> float | None:
    """Return data field `position` (LINK transfers: one further) as seconds under a day."""
    if position is None:
        return None
    if line.event == "ATTENDEDTRANSFER" and _data(line, 0) == "LINK":
        position += 1
    text = _data(line, position)
    return float(text) if text.isdigit() and int(text) < DAY_S else None


def _agent_values(line: QueueLogLine, feed: FeedConfig) -> list[tuple[ItemKind, dict[str, Any]]]:
    agent = agent_code(line.agent)
    state = CALL_AGENT_STATES.get(line.event) or MEMBER_STATES.get(line.event)
    if agent is None or (state is None and line.event != WRAPUP):
        return []
    base: dict[str, Any] = {"agent": agent}
    if (queue := _queue_code(line, feed)) is not None:
        base["queues"] = [queue]
    if line.event == WRAPUP:
        wrapup_end = line.at + timedelta(seconds=_seconds(line, 0, "wrap-up seconds"))
        return [
            ("agent-events", base | {"state": "acw", "at": line.at}),
            ("agent-events", base | {"state": "available", "at": wrapup_end}),
        ]
    value = base | {"state": state, "at": line.at}
    if line.event in PAUSES and _data(line, 0):
        value["reason"] = _data(line, 0)
    if line.event in UNPAUSES:
        value["unpause"] = True
    values: list[tuple[ItemKind, dict[str, Any]]] = [("agent-events", value)]
    if line.event in LOGOFFS and _data(line, 1) and (logged_in := _seconds(line, 1, "logintime")):
        login = line.at - timedelta(seconds=logged_in)
        values.insert(0, ("agent-events", base | {"state": "available", "at": login}))
    return values


def _data(line: QueueLogLine, position: int) -> str:
    return line.data[position].strip() if position < len(line.data) else ""


def _seconds(line: QueueLogLine, position: int, meaning: str) -> float:
    """Return data field `position` as seconds ≥ 0, or reject naming the field."""
    text = _data(line, position)
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 10 * 86_400 * 365:
        raise SourceRejected(
            f"data{position + 1}: {text!r} is not a number of seconds ({line.event} {meaning})"
        )
    return seconds
