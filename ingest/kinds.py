"""The four record kinds: how a validated record becomes patches of fact rows."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ingest.checks import RecordRejected, excerpt
from ingest.facts import AGENT_STATE_CHANGES, CALLS, TICKETS, FactTable
from ingest.schemas import (
    AgentEventRecord,
    CallEventRecord,
    CallRecord,
    Record,
    ScheduleRecord,
    TicketRecord,
)

Row = dict[str, Any]
KEY_CHARS = 200  # an id longer than this is reported by its start (record_key holds 300)


@dataclass
class Tenancy:
    """What the batch's vendor may write to, loaded once per batch."""

    vendor_id: int
    vendor_code: str
    queues: dict[str, tuple[int, int]]
    known_queue_codes: set[str]
    agent_clients: dict[str, list[int]] = field(default_factory=dict)

    def queue(self, code: str) -> tuple[int, int]:
        """Return `(client_id, queue_id)` of a queue this vendor serves."""
        if code in self.queues:
            return self.queues[code]
        if code in self.known_queue_codes:
            raise RecordRejected(f"queue: {code!r} is not served by vendor {self.vendor_code!r}")
        raise RecordRejected(f"queue: unknown queue {code!r}")

    def client_of(self, value: Any) -> int | None:
        """Return the client a refused record is counted under: that of the served queue it
        names, else the vendor's only client, else none (`app.quality.measures`)."""
        named = value.get("queue") if isinstance(value, dict) else None
        if named is None and isinstance(value, dict) and isinstance(value.get("queues"), list):
            named = next(iter(value["queues"]), None)
        if isinstance(named, str) and named in self.queues:
            return self.queues[named][0]
        clients = {client_id for client_id, _ in self.queues.values()}
        return clients.pop() if len(clients) == 1 else None


class Target(NamedTuple):
    """One fact row a record writes: its client, queue ids and agent code."""

    client_id: int
    queue_ids: tuple[int, ...]
    agent: str | None


@dataclass(frozen=True)
class Kind:
    """A record kind: schema, table and the functions that turn records into rows."""

    name: str
    schema: type[Record]
    table: FactTable
    id_field: str
    timestamps: tuple[str, ...]
    partition_fields: tuple[str, ...]
    targets: Callable[[Any, Tenancy], list[Target]]
    patch: Callable[[Any, Target, int, int | None], Row]

    def record_id(self, raw: Any) -> str | None:
        """Return the record's id for error reports, if it has a readable one (bounded)."""
        if not isinstance(raw, dict):
            return None
        value = raw.get(self.id_field)
        if value is None or isinstance(value, dict | list):
            return None
        key = str(value)
        if self.name == "agent-events" and isinstance(raw.get("at"), str):
            key = f"{key}@{raw['at']}"
        return excerpt(key, KEY_CHARS)


def _queue_target(record: Any, tenancy: Tenancy) -> list[Target]:
    client_id, queue_id = tenancy.queue(record.queue)
    return [Target(client_id, (queue_id,), record.agent)]


def agent_targets(record: AgentEventRecord | ScheduleRecord, tenancy: Tenancy) -> list[Target]:
    """Return the clients (with queues) an agent record writes to: those of its queues, else
    the agent's client, else the vendor's only one."""
    if record.queues:
        by_client: dict[int, list[int]] = {}
        for code in record.queues:
            client_id, queue_id = tenancy.queue(code)
            by_client.setdefault(client_id, []).append(queue_id)
        return [Target(c, tuple(sorted(q)), record.agent) for c, q in sorted(by_client.items())]
    clients = tenancy.agent_clients.get(record.agent) or sorted(
        {client_id for client_id, _ in tenancy.queues.values()}
    )
    if len(clients) != 1:
        raise RecordRejected(
            f"queues: required for a new agent, because vendor {tenancy.vendor_code!r}"
            f" serves {len(clients)} clients' queues"
        )
    return [Target(clients[0], (), record.agent)]


def _row(fields: dict[str, Any]) -> Row:
    """Return a row of `fields` whose other fields read as None: a staged row takes every
    column (`service._stage`), and a record's fields that are no column are not read."""
    return defaultdict(_NONE, fields)


_NONE = type(None)  # a factory of None in C, unlike `lambda: None`


def _queue_patch(record: Record, target: Target, vendor_id: int, agent_id: int | None) -> Row:
    """Patch for a call detail record or a ticket: the record's own fields plus tenancy ids."""
    patch = _row(record.__dict__)
    patch["client_id"] = target.client_id
    patch["queue_id"] = target.queue_ids[0]
    patch["vendor_id"] = vendor_id
    patch["agent_id"] = agent_id
    return patch


def _call_patch(record: CallRecord, target: Target, vendor_id: int, agent_id: int | None) -> Row:
    """Patch for a call detail record: marked as one, for the checks only a CDR must pass."""
    patch = _queue_patch(record, target, vendor_id, agent_id)
    patch["cdr"] = True
    return patch


_EVENT_FIELDS = {
    "offered": "offered_at",
    "answered": "answered_at",
    "abandoned": "ended_at",
    "ended": "ended_at",
    "acw_done": "acw_done_at",
}


def _call_event_patch(
    record: CallEventRecord, target: Target, vendor_id: int, agent_id: int | None
) -> Row:
    patch = _queue_patch(record, target, vendor_id, agent_id)
    patch[_EVENT_FIELDS[record.event]] = record.at
    patch["abandoned"] = record.event == "abandoned"
    return patch


def _agent_patch(
    record: AgentEventRecord, target: Target, vendor_id: int, agent_id: int | None
) -> Row:
    return _row(
        {
            "client_id": target.client_id,
            "agent_id": agent_id,
            "at": record.at,
            "vendor_id": vendor_id,
            "state": record.state,
            "reason": record.reason,
            "unpause": record.unpause,
            "queue_ids": list(target.queue_ids) or None,
            "version": record.version,
        }
    )


_CALL_EVENT_TIMES = ("at", "estimated_offered_at", "estimated_answered_at")

KINDS = {
    kind.name: kind
    for kind in (
        Kind(
            "calls",
            CallRecord,
            CALLS,
            "call_id",
            ("offered_at", "answered_at", "ended_at"),
            ("offered_at",),
            _queue_target,
            _call_patch,
        ),
        Kind(
            "call-events",
            CallEventRecord,
            CALLS,
            "call_id",
            _CALL_EVENT_TIMES,
            _CALL_EVENT_TIMES,  # a call may sit at any of them
            _queue_target,
            _call_event_patch,
        ),
        Kind(
            "agent-events",
            AgentEventRecord,
            AGENT_STATE_CHANGES,
            "agent",
            ("at",),
            ("at",),
            agent_targets,
            _agent_patch,
        ),
        Kind(
            "tickets",
            TicketRecord,
            TICKETS,
            "ticket_id",
            ("created_at", "first_response_at", "resolved_at"),
            ("created_at",),
            _queue_target,
            _queue_patch,
        ),
    )
}
