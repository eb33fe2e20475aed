"""How each fact table is keyed, partitioned, merged and checked; read by the writer.

The merge rules live here once, as SQL: a staged value wins when it is not null, else the
stored value stays, else the column's default. `derived` columns are computed from the
merged row; `checks` are SQL expressions giving a message (naming the field) or NULL.
A record whose `version` is older than the stored row's is `superseded`: a duplicate,
never an overwrite (at-least-once feeds redeliver old records).
"""

from dataclasses import dataclass, field

from app.core.vocabulary import ANSWERED_EXIT, BLOCKED_EXITS

OFFSET_SUFFIX = "_utc_offset"
_CALL_TIMES = ("offered_at", "answered_at", "ended_at", "acw_done_at")
_TICKET_TIMES = ("created_at", "first_response_at", "resolved_at")


def sent_text(column: str, record_times: tuple[str, ...]) -> str:
    """Return SQL rendering `d.<column>` in the UTC offset it was sent in.

    Each staged timestamp carries its offset in seconds (`<column>_utc_offset`); a stored
    value, whose offset is not kept, is shown in the offset of the record's other times.
    e.g. 2026-11-20T09:00:00+08:00, or 2026-11-20T01:00:00Z.
    """
    offsets = [f"s.{column}{OFFSET_SUFFIX}"]
    offsets += [f"s.{t}{OFFSET_SUFFIX}" for t in record_times if t != column]
    offset = f"coalesce({', '.join(offsets)}, 0)"
    local = f"(d.{column} AT TIME ZONE 'UTC') + make_interval(secs => {offset})"
    zone = (
        f"CASE WHEN {offset} = 0 THEN 'Z' ELSE CASE WHEN {offset} < 0 THEN '-' ELSE '+' END"
        f" || to_char(make_interval(secs => abs({offset})), 'HH24:MI') END"
    )
    return f"""to_char({local}, 'YYYY-MM-DD"T"HH24:MI:SS') || {zone}"""


# Every fact row keeps the highest version sent (a record without one never lowers it).
VERSION = {"version": "numeric"}
VERSION_MERGE = {"version": "greatest(s.version, o.version)"}
SUPERSEDED = "s.version < o.version"


def before(field_name: str, later: str, earlier: str, record_times: tuple[str, ...]) -> str:
    """Return a check: column `later` may not be before column `earlier`."""
    return (
        f"CASE WHEN d.{later} < d.{earlier} THEN '{field_name}: ' ||"
        f" {sent_text(later, record_times)} || ' is before {earlier} ' ||"
        f" {sent_text(earlier, record_times)} END"
    )


@dataclass(frozen=True, eq=False)  # hashed by identity: the SQL built from it is cached
class FactTable:
    """A partitioned fact table: key, partition column, stored columns and merge rules."""

    name: str
    key: tuple[str, ...]
    time_column: str
    keys_table: str | None
    subject: str
    subject_column: str
    columns: dict[str, str]
    defaults: dict[str, str] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)
    checks: tuple[str, ...] = ()
    owner_field: str | None = None
    stage_extra: dict[str, str] = field(default_factory=dict)
    superseded: str | None = None
    named_by: str | None = None  # a column naming stored rows by key, read before the merge


# A time no event gave may be estimated (`estimated_offered_at`, `estimated_answered_at` of
# call events, e.g. Asterisk's COMPLETEAGENT without its ENTERQUEUE): a real time, staged
# or stored, always wins; of several estimates the earliest stays, so any order of arrival
# gives one row. An estimate is kept inside the real times it must not cross.
_REAL_OFFER = (
    "coalesce(s.offered_at,"
    " CASE WHEN o.offered_known AND NOT o.offered_estimated THEN o.offered_at END)"
)
_OFFER_ESTIMATE = (
    "least(s.estimated_offered_at, CASE WHEN o.offered_estimated THEN o.offered_at END)"
)
_REAL_ANSWER = "coalesce(s.answered_at, CASE WHEN NOT o.answered_estimated THEN o.answered_at END)"
_ANSWER_ESTIMATE = (
    "least(s.estimated_answered_at, CASE WHEN o.answered_estimated THEN o.answered_at END)"
)
_ANSWERED = (
    f"coalesce({_REAL_ANSWER}, CASE WHEN {_ANSWER_ESTIMATE} IS NOT NULL"
    f" THEN least(greatest({_ANSWER_ESTIMATE}, {_REAL_OFFER}), m.ended_at) END)"
)


# A callback (`callback_of`) is an outbound call of the request's client. The request may
# arrive later, so naming a call not stored is allowed; naming one the sending vendor sent
# for another client (and none of this client) is refused when the link is set or changed,
# so a replay of an accepted record stays accepted. The calls a pass names are read before
# the merge (`FactTable.named_by`, `merge_sql.named_sql`): Citus runs no correlated
# subquery over distributed tables inside the merge statement.
_NAMED = (
    "unnest(%(named_clients)s::int[], %(named_ids)s::text[], %(named_sent)s::bool[])"
    " AS n(client_id, call_id, sent)"
)
_OTHER_CLIENTS_CALL = (
    f"NOT EXISTS (SELECT 1 FROM {_NAMED} WHERE n.client_id = d.client_id"
    f" AND n.call_id = d.callback_of) AND EXISTS (SELECT 1 FROM {_NAMED}"
    " WHERE n.call_id = d.callback_of AND n.client_id <> d.client_id AND n.sent)"
)
CALLBACK_CHECKS = (
    "CASE WHEN d.callback_of IS NOT NULL AND d.direction <> 'outbound' THEN"
    " 'callback_of: only an outbound call returns a callback request; send direction:"
    " outbound' END",
    "CASE WHEN d.callback_of = d.call_id THEN"
    " 'callback_of: a call cannot be the callback of itself' END",
    "CASE WHEN d.callback_of IS DISTINCT FROM o.callback_of AND d.callback_of IS NOT NULL"
    f" AND {_OTHER_CLIENTS_CALL} THEN 'callback_of: ' || d.callback_of || ' is a call of"
    " another client; a callback belongs to the client of the request it returns' END",
)


def _earliest(offered: str) -> str:
    """Return SQL of the earliest of `offered` and the merged row's later times."""
    return f"least({offered}, {_ANSWERED}, m.ended_at, m.acw_done_at)"


CALLS = FactTable(
    name="calls",
    key=("client_id", "call_id"),
    time_column="offered_at",
    keys_table="call_keys",
    subject="queue",
    subject_column="queue_id",
    columns={
        "client_id": "int",
        "call_id": "text",
        "offered_at": "timestamptz",
        "offered_known": "bool",
        "offered_estimated": "bool",
        "queue_id": "int",
        "vendor_id": "int",
        "direction": "text",
        "answered_at": "timestamptz",
        "answered_estimated": "bool",
        "ended_at": "timestamptz",
        "agent_id": "int",
        "talk_s": "numeric(10,3)",
        "hold_s": "numeric(10,3)",
        "acw_s": "numeric(10,3)",
        "acw_done_at": "timestamptz",
        "transferred": "bool",
        "resolved": "bool",
        "csat": "numeric(6,2)",
        "disposition": "text",
        "exit_reason": "text",
        **VERSION,
        "callback_of": "text",
    },
    defaults={"direction": "'inbound'", "transferred": "false"},
    # Events may arrive before `offered`: the call then sits at its earliest known moment,
    # with offered_known false, until the offered time (or an estimate of it) arrives.
    derived={
        "answered_at": _ANSWERED,
        "answered_estimated": f"{_REAL_ANSWER} IS NULL AND {_ANSWER_ESTIMATE} IS NOT NULL",
        "offered_at": f"CASE WHEN {_REAL_OFFER} IS NOT NULL THEN {_REAL_OFFER}"
        f" WHEN {_OFFER_ESTIMATE} IS NOT NULL THEN {_earliest(_OFFER_ESTIMATE)}"
        f" ELSE {_earliest('o.offered_at')} END",
        "offered_known": f"{_REAL_OFFER} IS NOT NULL OR {_OFFER_ESTIMATE} IS NOT NULL",
        "offered_estimated": f"{_REAL_OFFER} IS NULL AND {_OFFER_ESTIMATE} IS NOT NULL",
        **VERSION_MERGE,
    },
    checks=(
        "CASE WHEN s.abandoned AND d.answered_at IS NOT NULL THEN"
        " 'event: abandoned, but the call was answered at ' ||"
        f" {sent_text('answered_at', _CALL_TIMES)} END",
        # A CDR says all it knows; a call event may name the exit before the answered event
        # arrives (events merge in any order), so only a CDR's `answered` needs the time.
        f"CASE WHEN s.cdr AND s.exit_reason = '{ANSWERED_EXIT}' AND d.answered_at IS NULL THEN"
        " 'exit_reason: answered, but the call has no answered_at' END",
        f"CASE WHEN d.exit_reason <> '{ANSWERED_EXIT}' AND d.answered_at IS NOT NULL THEN"
        " 'exit_reason: ' || d.exit_reason || CASE WHEN d.exit_reason IN"
        f" ({', '.join(repr(w) for w in BLOCKED_EXITS)}) THEN ' means the call never waited'"
        " ELSE ' means the call was not answered' END || ', but it was answered at ' ||"
        f" {sent_text('answered_at', _CALL_TIMES)} END",
        "CASE WHEN d.offered_known THEN "
        + before("answered_at", "answered_at", "offered_at", _CALL_TIMES)
        + " END",
        "CASE WHEN d.answered_at IS NOT NULL THEN "
        + before("ended_at", "ended_at", "answered_at", _CALL_TIMES)
        + " WHEN d.offered_known THEN "
        + before("ended_at", "ended_at", "offered_at", _CALL_TIMES)
        + " END",
        before("acw_done", "acw_done_at", "ended_at", _CALL_TIMES),
        *CALLBACK_CHECKS,
        "CASE WHEN d.offered_known AND greatest(d.answered_at, d.ended_at) - d.offered_at"
        " >= interval '24 hours' THEN 'ended_at: the call spans ' || to_char(extract(epoch"
        " FROM greatest(d.answered_at, d.ended_at) - d.offered_at) / 3600, 'FM999990.0')"
        " || ' h from offered_at; must be under 24 h' END",
    ),
    owner_field="call_id",
    named_by="callback_of",
    stage_extra={
        "abandoned": "bool",
        "cdr": "bool",
        "estimated_offered_at": "timestamptz",
        "estimated_answered_at": "timestamptz",
    },
    superseded=SUPERSEDED,
)

TICKETS = FactTable(
    name="tickets",
    key=("client_id", "ticket_id"),
    time_column="created_at",
    keys_table="ticket_keys",
    subject="ticket_queue",
    subject_column="queue_id",
    columns={
        "client_id": "int",
        "ticket_id": "text",
        "created_at": "timestamptz",
        "queue_id": "int",
        "vendor_id": "int",
        "channel": "text",
        "first_response_at": "timestamptz",
        "resolved_at": "timestamptz",
        "agent_id": "int",
        "priority": "text",
        "csat": "numeric(6,2)",
        **VERSION,
        "ticket_type": "text",
        "valid": "bool",
    },
    derived=VERSION_MERGE,
    checks=(
        before("first_response_at", "first_response_at", "created_at", _TICKET_TIMES),
        before("resolved_at", "resolved_at", "created_at", _TICKET_TIMES),
    ),
    owner_field="ticket_id",
    superseded=SUPERSEDED,
)

_UNPAUSE_YIELDS = "(coalesce(s.unpause, false) AND NOT coalesce(o.unpause, true))"

AGENT_STATE_CHANGES = FactTable(
    name="agent_state_changes",
    key=("client_id", "agent_id", "at"),
    time_column="at",
    keys_table=None,
    subject="agent",
    subject_column="agent_id",
    columns={
        "client_id": "int",
        "agent_id": "int",
        "at": "timestamptz",
        "vendor_id": "int",
        "state": "text",
        "reason": "text",
        "unpause": "bool",
        "queue_ids": "int[]",
        **VERSION,
    },
    # An unpause at the very moment of another change yields to it, whichever came first.
    derived={
        "state": f"CASE WHEN {_UNPAUSE_YIELDS} THEN o.state ELSE s.state END",
        "reason": f"CASE WHEN {_UNPAUSE_YIELDS} THEN o.reason"
        " ELSE coalesce(s.reason, o.reason) END",
        "unpause": f"coalesce(s.unpause, false) AND NOT {_UNPAUSE_YIELDS}",
        **VERSION_MERGE,
    },
    superseded=SUPERSEDED,
)
