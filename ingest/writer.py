"""All SQL of ingest: row locks, COPY of new rows, set-based updates, markers, rejections.

Runs on the raw psycopg connection of the caller's transaction; commits nothing.
"""

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import orjson
from psycopg import Connection, errors
from psycopg.types.numeric import FloatLoader

from ingest.facts import FactTable
from ingest.merge import Row


class ConcurrentIngest(Exception):
    """Another transaction created the same key first; the batch must be retried."""


def _unnest(types: Sequence[str], alias: str, names: Sequence[str]) -> str:
    arrays = ", ".join(f"%s::{t}[]" if not t.endswith("[]") else "%s::text[]" for t in types)
    return f"unnest({arrays}) AS {alias}({', '.join(names)})"


def _columns(rows: Iterable[Row], names: Sequence[str]) -> list[str]:
    """Return one array literal per column (array-typed values nest as text: unnest flattens)."""
    rows = list(rows)
    return [array_literal([row[name] for row in rows]) for name in names]


def array_literal(values: Iterable[Any]) -> str:
    """Render values as a PostgreSQL array literal.

    Much faster than psycopg's generic list adaptation, which dominated batch time.
    """
    return "{" + ",".join(_element(v) for v in values) + "}"


def _element(value: Any) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    text = array_literal(value) if isinstance(value, list) else str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fetch_rows(pg: Connection, table: FactTable, keys: Sequence[tuple]) -> dict[tuple, Row]:
    """Return the stored rows for `keys`, locked until the transaction ends."""
    if not keys:
        return {}
    key = table.key
    cols = ", ".join(f"t.{c}" for c in table.columns)
    wanted = _unnest(table.key_types, "w", key)
    match = " AND ".join(f"t.{c} = r.{c}" for c in key)
    order = ", ".join(f"r.{c}" for c in key)
    if table.keys_table:
        sql = (
            f"SELECT {cols} FROM {table.keys_table} r JOIN {wanted} USING ({', '.join(key)})"
            f" JOIN {table.name} t ON {match} AND t.{table.time_column} = r.{table.time_column}"
            f" ORDER BY {order} FOR UPDATE OF r"
        )
    else:
        sql = (
            f"SELECT {cols} FROM {wanted.replace(' AS w(', ' AS r(')}"
            f" JOIN {table.name} t ON {match} ORDER BY {order} FOR UPDATE OF t"
        )
    key_columns = [array_literal(column) for column in zip(*keys, strict=True)]
    with pg.cursor() as cur:
        cur.adapters.register_loader("numeric", FloatLoader)  # compare with rounded floats
        cur.execute(sql, key_columns)
        names = [d.name for d in cur.description or []]
        found = [dict(zip(names, values, strict=True)) for values in cur]
    return {tuple(row[c] for c in key): row for row in found}


def insert_rows(pg: Connection, table: FactTable, rows: Sequence[Row]) -> None:
    """COPY new rows (and their key entries) in; a key taken meanwhile means retry."""
    if not rows:
        return
    try:
        if table.keys_table:
            _copy(pg, table.keys_table, [*table.key, table.time_column], rows)
        _copy(pg, table.name, list(table.columns), rows)
    except errors.UniqueViolation as exc:
        raise ConcurrentIngest(str(exc)) from exc


def _copy(pg: Connection, target: str, names: list[str], rows: Sequence[Row]) -> None:
    with pg.cursor() as cur, cur.copy(f"COPY {target} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in names])


def update_rows(pg: Connection, table: FactTable, changes: Sequence[tuple[Row, Row]]) -> None:
    """Write changed rows; a corrected time moves the row and its key entry."""
    if not changes:
        return
    time = table.time_column
    names = [*table.columns, "old_time"]
    types = [*table.columns.values(), "timestamptz"]
    new_rows = [{**new, "old_time": old[time]} for old, new in changes]
    settable = [
        f"{c} = v.{c}::{kind}" if kind.endswith("[]") else f"{c} = v.{c}"
        for c, kind in table.columns.items()
        if c not in table.key
    ]
    match = " AND ".join(f"t.{c} = v.{c}" for c in table.key)
    with pg.cursor() as cur:
        cur.execute(
            f"UPDATE {table.name} t SET {', '.join(settable)},"
            f" updated_at = now() FROM {_unnest(types, 'v', names)}"
            f" WHERE {match} AND t.{time} = v.old_time",
            _columns(new_rows, names),
        )
        moved = [new for old, new in changes if old[time] != new[time]]
        if table.keys_table and moved:
            key_names = [*table.key, time]
            key_types = [table.columns[c] for c in key_names]
            cur.execute(
                f"UPDATE {table.keys_table} t SET {time} = v.{time}"
                f" FROM {_unnest(key_types, 'v', key_names)} WHERE {match}",
                _columns(moved, key_names),
            )


def interval_start(moment: datetime, minutes: int) -> datetime:
    """Return the start (UTC) of the `minutes`-long interval holding `moment`."""
    utc = moment.astimezone(UTC)
    floor = utc.replace(minute=0, second=0, microsecond=0)
    return floor + timedelta(minutes=utc.minute // minutes * minutes)


def mark_dirty(pg: Connection, markers: set[tuple[int, str, int, datetime]]) -> None:
    """Mark intervals for the aggregator with ON CONFLICT DO UPDATE (it takes the row lock)."""
    if not markers:
        return
    ordered = sorted(markers)
    with pg.cursor() as cur:
        cur.execute(
            "INSERT INTO dirty_intervals (client_id, subject, subject_id, interval_start)"
            " SELECT * FROM unnest(%s::int[], %s::text[], %s::int[], %s::timestamptz[])"
            " ON CONFLICT (client_id, subject, subject_id, interval_start)"
            " DO UPDATE SET marked_at = now()",
            [array_literal(column) for column in zip(*ordered, strict=True)],
        )


class Rejection(NamedTuple):
    """A rejected record as stored: where it was, what it said, and why it was refused."""

    index: int
    client_id: int | None
    key: str | None
    payload: str
    canonical: str
    errors: list[str]


def store_rejected(
    pg: Connection, kind: str, vendor_id: int | None, rejections: Sequence[Rejection]
) -> None:
    """Keep every rejected record with its reasons; a replayed one is stored once.

    Replays are recognised by a hash of the record's canonical form, so the same record
    sent again as JSON or NDJSON is not stored twice.
    """
    if not rejections:
        return
    rows = [
        (
            r.client_id,
            vendor_id,
            kind,
            r.index,
            r.key,
            r.payload,
            _digest(r.canonical),
            orjson.dumps(r.errors).decode(),
        )
        for r in rejections
    ]
    with pg.cursor() as cur:
        cur.executemany(
            "INSERT INTO rejected_records (client_id, vendor_id, kind, record_index, record_key,"
            " payload, payload_hash, errors) VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb)"
            " ON CONFLICT (vendor_id, kind, payload_hash) DO NOTHING",
            rows,
        )


def _digest(payload: str) -> bytes:
    return hashlib.sha256(payload.encode()).digest()


def served_queues(pg: Connection, vendor_id: int) -> tuple[str, dict[str, tuple[int, int]]]:
    """Return the vendor's code and `{queue code: (client_id, queue_id)}` of queues it serves."""
    with pg.cursor() as cur:
        cur.execute(
            "SELECT v.code, q.code, q.client_id, q.id FROM vendors v"
            " LEFT JOIN queue_vendors qv ON qv.vendor_id = v.id"
            " LEFT JOIN queues q ON q.id = qv.queue_id WHERE v.id = %s",
            [vendor_id],
        )
        rows = cur.fetchall()
    code = rows[0][0] if rows else str(vendor_id)
    return code, {queue: (client, queue_id) for _, queue, client, queue_id in rows if queue}


def existing_queue_codes(pg: Connection, codes: Sequence[str]) -> set[str]:
    """Return which of `codes` name a queue at all (to tell unknown from not served)."""
    if not codes:
        return set()
    with pg.cursor() as cur:
        cur.execute("SELECT code FROM queues WHERE code = ANY(%s)", [list(codes)])
        return {code for (code,) in cur}


def agent_clients(pg: Connection, vendor_id: int, codes: Sequence[str]) -> dict[str, list[int]]:
    """Return `{agent code: [client ids]}` for agents of the vendor already seen."""
    with pg.cursor() as cur:
        cur.execute(
            "SELECT code, array_agg(client_id ORDER BY client_id) FROM agents"
            " WHERE vendor_id = %s AND code = ANY(%s) GROUP BY code",
            [vendor_id, list(codes)],
        )
        return dict(cur.fetchall())


def agent_ids(pg: Connection, wanted: set[tuple[int, int, str]]) -> dict[tuple[int, int, str], int]:
    """Return ids for `(client_id, vendor_id, code)` agents, creating those seen first now."""
    if not wanted:
        return {}
    query = (
        "SELECT a.client_id, a.vendor_id, a.code, a.id FROM agents a"
        " JOIN unnest(%s::int[], %s::int[], %s::text[]) AS w(client_id, vendor_id, code)"
        " USING (client_id, vendor_id, code)"
    )
    with pg.cursor() as cur:
        cur.execute(query, [array_literal(c) for c in zip(*wanted, strict=True)])
        found = {(c, v, code): agent_id for c, v, code, agent_id in cur}
        missing = sorted(wanted - found.keys())
        if missing:
            cur.execute(
                "INSERT INTO agents (client_id, vendor_id, code)"
                " SELECT * FROM unnest(%s::int[], %s::int[], %s::text[])"
                " ON CONFLICT (client_id, vendor_id, code) DO NOTHING",
                [array_literal(c) for c in zip(*missing, strict=True)],
            )
            cur.execute(query, [array_literal(c) for c in zip(*missing, strict=True)])
            found.update({(c, v, code): agent_id for c, v, code, agent_id in cur})
    return found
