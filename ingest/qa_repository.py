"""SQL of QA evaluation ingest: the queues a sender may name, the contacts, the upsert."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb

# The columns an evaluation writes, besides its key (client_id, evaluation_id).
COLUMNS = (
    "queue_id",
    "vendor_id",
    "agent_id",
    "call_id",
    "ticket_id",
    "evaluator",
    "evaluated_at",
    "mode",
    "fatal_errors",
    "non_fatal_errors",
    "score",
    "items",
)


@dataclass(frozen=True)
class Contact:
    """An evaluated call or ticket as stored: its queue, vendor and agent (code)."""

    queue_id: int
    vendor_id: int
    agent: str | None


def client_queues(pg: Connection, client_id: int) -> tuple[str, dict[str, tuple[int, int]]]:
    """Return the client's code and `{queue code: (client_id, queue_id)}` of its queues."""
    rows = pg.execute(
        "SELECT c.code, q.code, q.id FROM clients c LEFT JOIN queues q ON q.client_id = c.id"
        " WHERE c.id = %s",
        [client_id],
    ).fetchall()
    code = rows[0][0] if rows else str(client_id)
    return code, {queue: (client_id, queue_id) for _, queue, queue_id in rows if queue}


def contacts(pg: Connection, table: str, client_id: int, ids: Sequence[str]) -> dict[str, Contact]:
    """Return the client's calls (`table` calls) or tickets with these ids, by id."""
    if not ids:
        return {}
    id_column = {"calls": "call_id", "tickets": "ticket_id"}[table]
    rows = pg.execute(
        f"SELECT t.{id_column}, t.queue_id, t.vendor_id, a.code FROM {table} t"
        " LEFT JOIN agents a ON a.id = t.agent_id"
        f" WHERE t.client_id = %s AND t.{id_column} = ANY(%s::text[])",
        [client_id, list(ids)],
    ).fetchall()
    return {key: Contact(queue_id, vendor_id, agent) for key, queue_id, vendor_id, agent in rows}


def vendor_codes(pg: Connection, ids: Sequence[int]) -> dict[int, str]:
    """Return `{vendor id: code}`, for messages naming a contact's vendor."""
    rows = pg.execute("SELECT id, code FROM vendors WHERE id = ANY(%s)", [list(ids)])
    return dict(rows.fetchall())


_UPSERT = (
    f"INSERT INTO qa_evaluations (client_id, evaluation_id, {', '.join(COLUMNS)})"
    f" VALUES ({', '.join(['%s'] * (len(COLUMNS) + 2))})"
    " ON CONFLICT (client_id, evaluation_id) DO UPDATE SET"
    f" {', '.join(f'{c} = EXCLUDED.{c}' for c in COLUMNS)}, updated_at = EXCLUDED.updated_at"
    f" WHERE ({', '.join(f'qa_evaluations.{c}' for c in COLUMNS)})"
    f" IS DISTINCT FROM ({', '.join(f'EXCLUDED.{c}' for c in COLUMNS)})"
    " RETURNING id"
)


def upsert(pg: Connection, client_id: int, evaluation_id: str, row: dict[str, Any]) -> bool:
    """Write one evaluation; return False when the stored one is the same (a replay)."""
    values = [Jsonb(row[c]) if c == "items" and row[c] is not None else row[c] for c in COLUMNS]
    return pg.execute(_UPSERT, [client_id, evaluation_id, *values]).fetchone() is not None
