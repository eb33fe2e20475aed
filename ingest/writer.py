"""All SQL of ingest: row locks, COPY of new rows, set-based updates, markers, rejections.

Runs on the raw psycopg connection of the caller's transaction; commits nothing.
"""

import hashlib
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from psycopg import Connection, errors

from app.core.pgarray import array_literal
from app.quality.measures import LATE_MAX
from ingest.facts import FactTable
from ingest.merge_sql import (
    create_stage_sql,
    lock_sql,
    merge_sql,
    named_sql,
    stage_columns,
    stage_name,
)

PAYLOAD_BYTES = 16 * 1024


class ConcurrentIngest(Exception):
    """Another transaction created the same key first; the batch must be retried."""


def is_unique_violation(exc: errors.Error) -> bool:
    """Tell whether `exc` reports a unique violation, on PostgreSQL or through Citus.

    A Citus coordinator that COPYs rows into a shard reports the shard's unique violation
    with its message and detail but without its SQLSTATE (XX000, from `ReportCopyError`);
    the message is then the only mark of it (Citus 13.2)."""
    if isinstance(exc, errors.UniqueViolation):
        return True
    message = exc.diag.message_primary or ""
    return isinstance(exc, errors.InternalError_) and message.startswith(
        "duplicate key value violates unique constraint"
    )


def stage_rows(pg: Connection, table: FactTable, rows: Sequence[Sequence[Any]]) -> None:
    """Binary-COPY staged rows (in `stage_columns` order) into the session's staging table."""
    columns = stage_columns(table)
    with pg.cursor() as cur:
        cur.execute(create_stage_sql(table))
        with cur.copy(
            f"COPY {stage_name(table)} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(list(columns.values()))
            for row in rows:
                copy.write_row(row)


def lock_stored(pg: Connection, table: FactTable, keys: Sequence[tuple[Any, ...]]) -> int:
    """Lock the stored rows of `keys` (client first), one client at a time in key order;
    return how many were locked."""
    rest = [c for c in table.key if c != "client_id"]
    by_client: dict[Any, list[list[Any]]] = defaultdict(list)
    for client_id, *values in keys:
        by_client[client_id].append(values)
    locked = 0
    with pg.cursor() as cur:
        for client_id in sorted(by_client):  # each statement locks its keys in order itself
            columns = zip(*by_client[client_id], strict=True)
            arrays = {c: array_literal(v) for c, v in zip(rest, columns, strict=True)}
            # Planned for its arrays each time, never prepared: after a few runs PostgreSQL
            # kept a generic plan that scanned every stored key of the client and tested each
            # against the whole array (20,000 stored calls: 2 ms → 550 ms a batch).
            cur.execute(lock_sql(table), {"client": client_id, **arrays}, prepare=False)
            locked += cur.rowcount
    return locked


class PassRows(NamedTuple):
    """What a pass's staged rows hold: their keys (client first), and the values of their
    `named_by` column (the stored rows they name)."""

    keys: list[tuple[Any, ...]]
    named: list[Any]


def named_arrays(
    pg: Connection, table: FactTable, named: Sequence[Any], vendor_id: int, served: Collection[int]
) -> dict[str, str]:
    """Return the `%(named_*)s` arrays of the stored rows a pass names (`merge_sql.named_sql`),
    read in each client the vendor serves (`served`, from the batch's tenancy)."""
    if not table.named_by:
        return {}
    found: list[tuple[Any, ...]] = []
    if named:
        params = {"named": array_literal(sorted(set(named))), "vendor": vendor_id}
        for client_id in sorted(served):  # one client a statement: on Citus, one shard
            found += pg.execute(  # planned for its array each time, as `lock_stored`'s
                named_sql(table), params | {"client": client_id}, prepare=False
            ).fetchall()
    columns = list(zip(*found, strict=True)) or [(), (), ()]
    return {
        f"named_{name}": array_literal(values)
        for name, values in zip(("clients", "ids", "sent"), columns, strict=True)
    }


# The merge's plan does not hang on its parameters (a pass number, the named rows' arrays),
# yet a custom plan of its dozen CTEs was made anew for every pass (~3.5 ms a batch of
# 1,000, a tenth of the statement); the lock statement, whose plan does hang on its arrays
# (see `lock_sql`), is never prepared (`lock_stored`). Not on Citus, which cannot
# plan the merge generic ("could not create distributed plan"). Local to the transaction,
# which an error ends.
GENERIC_PLANS = (
    "SELECT set_config('plan_cache_mode', CASE WHEN EXISTS (SELECT FROM pg_extension"
    " WHERE extname = 'citus') THEN 'auto' ELSE 'force_generic_plan' END, true)"
)
AUTO_PLANS = "SET LOCAL plan_cache_mode = auto"


class PassResult(NamedTuple):
    """What one pass did to its records (by index): those refused, with their errors in
    staging order, and those that changed nothing; every other record of it was written."""

    refused: list[tuple[int, list[str]]]
    unchanged: list[int]


def merge_pass(
    pg: Connection,
    table: FactTable,
    pass_no: int,
    rows: PassRows,
    vendor_id: int,
    served: Collection[int],
    interval_minutes: int,
) -> PassResult:
    """Lock the stored rows of the pass's keys, read the rows it names, then merge the
    pass's staged rows into `table`; raise ConcurrentIngest on a lost key race."""
    params: dict[str, Any] = {
        "pass_no": pass_no,
        "subject": table.subject,
        "interval": f"{interval_minutes} minutes",
    }
    try:
        locked = lock_stored(pg, table, rows.keys)
        params["locked"] = locked > 0
        params |= named_arrays(pg, table, rows.named, vendor_id, served)
        with pg.cursor() as cur:
            cur.execute(GENERIC_PLANS)
            cur.execute(merge_sql(table), params)
            stored, unchanged, refused = cur.fetchone() or (0, [], [])
            cur.execute(AUTO_PLANS)
    except (errors.UniqueViolation, errors.InternalError_) as exc:
        if not is_unique_violation(exc):
            raise
        raise ConcurrentIngest(str(exc)) from exc
    if stored != locked:
        raise ConcurrentIngest(f"{table.name}: a concurrent batch created some of the same keys")
    return PassResult([(idx, errs) for idx, errs in refused], unchanged)


class Rejection(NamedTuple):
    """A rejected record as stored: where it was, what it said, and why it was refused."""

    record_index: int
    client_id: int | None
    key: str | None
    payload: str
    canonical: str
    errors: list[str]


def store_rejected(
    pg: Connection,
    kind: str,
    vendor_id: int | None,
    rejections: Sequence[Rejection],
    feed: str | None = None,
) -> None:
    """Keep every rejected record with its reasons (and the feed it came through, if one);
    a replayed one is stored once.

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
            r.record_index,
            r.key and printable(r.key),
            stored_payload(r.payload),
            _digest(r.canonical),
            orjson.dumps([printable(e) for e in r.errors]).decode(),
            feed,
        )
        for r in rejections
    ]
    with pg.cursor() as cur:
        cur.executemany(
            "INSERT INTO rejected_records (client_id, vendor_id, kind, record_index, record_key,"
            " payload, payload_hash, errors, feed)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s)"
            " ON CONFLICT (vendor_id, kind, payload_hash) DO NOTHING",
            rows,
        )


def _digest(payload: str) -> bytes:
    return hashlib.sha256(_bytes(payload)).digest()


def _bytes(text: str) -> bytes:
    """Return the bytes a text was decoded from (undecodable bytes were kept as surrogates)."""
    return text.encode("utf-8", errors="surrogateescape")


def printable(text: str) -> str:
    """Escape what PostgreSQL text cannot hold: NUL, and bytes that were not UTF-8."""
    escaped = text.replace("\x00", "\\x00")
    return _bytes(escaped).decode("utf-8", errors="backslashreplace")


def stored_payload(payload: str) -> str:
    """Return a rejected record as stored: escaped, and cut at PAYLOAD_BYTES with its size and hash.

    A rejected record is evidence, not data: its start shows what was wrong, and the size
    and SHA-256 of the whole identify it, without one client filling the table.
    """
    original = _bytes(payload)
    text = printable(payload)
    if len(text.encode()) <= PAYLOAD_BYTES:
        return text
    head = text.encode()[:PAYLOAD_BYTES].decode(errors="ignore")
    digest = hashlib.sha256(original).hexdigest()
    return f"{head}… [cut: {len(original)} bytes in all, sha256 {digest}]"


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


class FeedCount(NamedTuple):
    """One counter a batch adds to (`app.quality.measures`): whose, which, how many."""

    client_id: int | None
    measure: str
    n: int


def add_feed_counts(
    pg: Connection, vendor_id: int, kind: str, received: datetime, counts: Sequence[FeedCount]
) -> None:
    """Add a batch's feed-quality counters to each client's local day of `received`.

    One statement per batch, in the batch's transaction; rows go in key order so concurrent
    batches lock them in the same order, and `ON CONFLICT DO UPDATE` adds under the row
    lock, so no count is lost (`late_max` keeps the larger value instead).
    """
    if not counts:
        return
    clients, measures, ns = zip(*counts, strict=True)
    pg.execute(
        "INSERT INTO feed_quality_counts (client_id, vendor_id, day, kind, measure, n)"
        " SELECT r.client_id, %(vendor)s, (%(received)s::timestamptz AT TIME ZONE"
        " coalesce(c.timezone, 'UTC'))::date, %(kind)s, r.measure, r.n"
        " FROM unnest(%(clients)s::int[], %(measures)s::text[], %(ns)s::bigint[])"
        " AS r(client_id, measure, n) LEFT JOIN clients c ON c.id = r.client_id"
        " ORDER BY r.client_id NULLS FIRST, r.measure"
        " ON CONFLICT (client_id, vendor_id, day, kind, measure) DO UPDATE SET n = CASE"
        f" WHEN excluded.measure = '{LATE_MAX}' THEN greatest(feed_quality_counts.n, excluded.n)"
        " ELSE feed_quality_counts.n + excluded.n END",
        {
            "vendor": vendor_id,
            "received": received,
            "kind": kind,
            "clients": array_literal(clients),
            "measures": array_literal(measures),
            "ns": array_literal(ns),
        },
    )
