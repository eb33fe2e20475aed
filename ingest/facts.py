"""How each fact table is keyed, partitioned and marked dirty; read by the writer."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FactTable:
    """A partitioned fact table: its key, partition column and stored columns."""

    name: str
    key: tuple[str, ...]
    time_column: str
    keys_table: str | None
    subject: str
    subject_column: str
    columns: dict[str, str]

    @property
    def key_types(self) -> list[str]:
        """Return the PostgreSQL types of the key columns."""
        return [self.columns[column] for column in self.key]


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
        "talk_s": "numeric",
        "hold_s": "numeric",
        "acw_s": "numeric",
        "acw_done_at": "timestamptz",
        "transferred": "bool",
        "resolved": "bool",
        "csat": "numeric",
        "disposition": "text",
    },
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
        "csat": "numeric",
    },
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
