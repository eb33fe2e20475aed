"""How each fact table is keyed, partitioned, merged and checked; read by the writer.

The merge rules live here once, as SQL: a staged value wins when it is not null, else the
stored value stays, else the column's default. `derived` columns are computed from the
merged row; `checks` are SQL expressions giving a message (naming the field) or NULL.
"""

from dataclasses import dataclass, field


def utc_text(expression: str) -> str:
    """Return SQL rendering a timestamp in UTC for messages, e.g. 2026-11-20T01:00:00Z."""
    return f"""to_char(({expression}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


def before(field_name: str, later: str, earlier: str, earlier_name: str) -> str:
    """Return a check: `later` may not be before `earlier`."""
    return (
        f"CASE WHEN {later} < {earlier} THEN '{field_name}: ' || {utc_text(later)}"
        f" || ' is before {earlier_name} ' || {utc_text(earlier)} END"
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
        "queue_id": "int",
        "vendor_id": "int",
        "direction": "text",
        "answered_at": "timestamptz",
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
    },
    defaults={"direction": "'inbound'", "transferred": "false"},
    # Events may arrive before `offered`: the call then sits at its earliest known moment,
    # with offered_known false, until the offered time arrives.
    derived={
        "offered_at": "CASE WHEN s.offered_at IS NOT NULL THEN s.offered_at"
        " WHEN o.offered_known THEN o.offered_at"
        " ELSE least(o.offered_at, m.answered_at, m.ended_at, m.acw_done_at) END",
        "offered_known": "s.offered_at IS NOT NULL OR coalesce(o.offered_known, false)",
    },
    checks=(
        "CASE WHEN s.abandoned AND d.answered_at IS NOT NULL THEN"
        f" 'event: abandoned, but the call was answered at ' || {utc_text('d.answered_at')} END",
        "CASE WHEN d.offered_known THEN "
        + before("answered_at", "d.answered_at", "d.offered_at", "offered_at")
        + " END",
        "CASE WHEN d.answered_at IS NOT NULL THEN "
        + before("ended_at", "d.ended_at", "d.answered_at", "answered_at")
        + " WHEN d.offered_known THEN "
        + before("ended_at", "d.ended_at", "d.offered_at", "offered_at")
        + " END",
        before("acw_done", "d.acw_done_at", "d.ended_at", "ended_at"),
        "CASE WHEN d.offered_known AND greatest(d.answered_at, d.ended_at) - d.offered_at"
        " >= interval '24 hours' THEN 'ended_at: the call spans ' || to_char(extract(epoch"
        " FROM greatest(d.answered_at, d.ended_at) - d.offered_at) / 3600, 'FM999990.0')"
        " || ' h from offered_at; must be under 24 h' END",
    ),
    owner_field="call_id",
    stage_extra={"abandoned": "bool"},
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
    },
    checks=(
        before("first_response_at", "d.first_response_at", "d.created_at", "created_at"),
        before("resolved_at", "d.resolved_at", "d.created_at", "created_at"),
    ),
    owner_field="ticket_id",
)

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
        "queue_ids": "int[]",
    },
)
