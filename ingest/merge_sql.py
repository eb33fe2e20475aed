"""Build the statements that stage records and merge one pass of them into a fact table.

Per pass, first one statement per client locks the stored rows of its keys (`lock_sql`);
then one statement does the rest, set-based: merge and check, insert new rows (and their
key entries), update changed ones (moving a row whose time was corrected), and tell the
aggregator. A pass holds each key at most once; a key repeated in a batch goes to the next
pass, so records apply in batch order.

The locks are taken apart, one client per statement, because Citus cannot lock rows in a
statement spanning shards ("could not run distributed query with FOR UPDATE/SHARE
commands"): a single-client statement runs on that client's shard. The merge, which reads
the stored rows without locking them, counts them; a key that appeared between the two
statements makes that count differ from the locks taken, and the caller retries.

Calls and tickets, whose stats are sums of per-row values, log each changed row in
`stats_changes` (the stored row with sign -1, the merged one with sign +1; the columns the
stats read, `CHANGE_COLUMNS`) in the same transaction as the facts; the aggregator adds
them to the stats (`app.kpi.repository`).
Agent state changes mark their intervals dirty for a recompute (a state's seconds depend
on the next change).
"""

from functools import cache

from app.core.grid import GRID_ORIGIN_SQL
from app.kpi.repository import CHANGE_COLUMNS, DELTA_SOURCES
from ingest.facts import OFFSET_SUFFIX, FactTable

COPY_TYPES = {
    "numeric": "numeric",  # exact (versions: epoch seconds to the microsecond)
    "int": "int4",
    "text": "text",
    "timestamptz": "timestamptz",
    "bool": "bool",
    "int[]": "int4[]",
}


def copy_type(sql_type: str) -> str:
    """Return the binary COPY type of a column (`numeric(p,s)` travels as float8, rounded on
    merge; bare `numeric` exactly)."""
    return "float8" if sql_type.startswith("numeric(") else COPY_TYPES[sql_type]


def stage_name(table: FactTable) -> str:
    """Name the session's staging table for `table`."""
    return f"stage_{table.name}"


def stage_columns(table: FactTable) -> dict[str, str]:
    """Return the staging table's columns and their COPY types, in COPY order: the staged
    row's place, the staging-only fields, the table's columns, then the UTC offset each
    time was sent in, for messages (`facts.sent_text`)."""
    columns = {"seq": "int4", "idx": "int4", "pass_no": "int4"}
    columns |= {name: copy_type(kind) for name, kind in table.stage_extra.items()}
    columns |= {name: copy_type(kind) for name, kind in table.columns.items()}
    return columns | {
        f"{name}{OFFSET_SUFFIX}": "int4"
        for name, kind in table.columns.items()
        if kind == "timestamptz"
    }


@cache
def create_stage_sql(table: FactTable) -> str:
    """Return the DDL of the staging table (temporary, emptied at each commit)."""
    columns = ", ".join(f"{name} {kind}" for name, kind in stage_columns(table).items())
    return f"CREATE TEMP TABLE IF NOT EXISTS {stage_name(table)} ({columns}) ON COMMIT DELETE ROWS"


def _match(table: FactTable, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in table.key)


def _stored(table: FactTable) -> str:
    """Return the stored rows of the staged keys; none are looked up when the lock statement
    found none (`%(locked)s` false: a batch of new keys), which its one-time filter tells
    before any index is read. A key stored meanwhile then fails the insert, as below."""
    if table.keys_table:
        return (
            f"SELECT s.seq, t.* FROM s JOIN {table.keys_table} k ON {_match(table, 'k', 's')}"
            f" JOIN {table.name} t ON {_match(table, 't', 'k')}"
            f" AND t.{table.time_column} = k.{table.time_column} WHERE %(locked)s"
        )
    return (
        f"SELECT s.seq, t.* FROM s JOIN {table.name} t ON {_match(table, 't', 's')}"
        " WHERE %(locked)s"
    )


@cache
def lock_sql(table: FactTable) -> str:
    """Return the statement locking one client's (`%(client)s`) stored rows of a pass's keys.

    The keys' other columns come as arrays named after them; rows are locked in key order,
    so concurrent batches lock shared keys in the same order. It returns a row per lock.
    Each key is looked up by itself (a lateral subquery that locks is never flattened into
    a join): matched with `= ANY` or a join, the planner, misled by statistics older than a
    bulk load, read every stored key of the client and tested each against the array (200,000
    stored calls: 23 ms a batch rather than 2, growing with the client's history).
    """
    others = [c for c in table.key if c != "client_id"]
    arrays = ", ".join(f"%({c})s::{COPY_TYPES[table.columns[c]]}[]" for c in others)
    columns = ", ".join(others)
    matched = " AND ".join(f"k.{c} = w.{c}" for c in others)
    return (
        f"SELECT 1 FROM (SELECT DISTINCT * FROM unnest({arrays}) AS w({columns})"
        f" ORDER BY {columns}) w, LATERAL (SELECT 1 FROM {table.keys_table or table.name} k"
        f" WHERE k.client_id = %(client)s AND {matched} FOR UPDATE) locked"
    )


@cache
def named_sql(table: FactTable) -> str:
    """Return the statement reading the stored rows of client `%(client)s` that the pass
    names (`named_by`, among `%(named)s`): each one's client, key, and whether the sending
    vendor `%(vendor)s` sent it. The caller asks it for each client the vendor serves: a
    row of another client tells nothing (`facts.CALLBACK_CHECKS`), and the keys table is
    indexed by client first. Each name is looked up by itself, as in `lock_sql`. The
    merge's checks read the rows as `%(named_*)s` arrays."""
    assert table.keys_table, f"{table.name} has no keys table"
    key, time = table.key[-1], table.time_column
    return (
        f"SELECT k.client_id, k.{key}, coalesce(k.vendor_id = %(vendor)s, false)"
        f" FROM (SELECT DISTINCT unnest(%(named)s::text[]) AS {key}) w, LATERAL (SELECT"
        f" k.client_id, k.{key}, t.vendor_id FROM {table.keys_table} k LEFT JOIN {table.name} t"
        f" ON {_match(table, 't', 'k')} AND t.{time} = k.{time}"
        f" WHERE k.client_id = %(client)s AND k.{key} = w.{key} OFFSET 0) k"
    )


def _merged(table: FactTable) -> str:
    """Return the merged row of a staged row `s` and its stored row `o` (NULLs if none),
    derived columns apart: a select list without FROM, read as a lateral of `s ⟕ o`."""
    columns = []
    for name, kind in table.columns.items():
        if name in table.derived:
            continue
        if name in table.key:
            columns.append(f"s.{name}")
            continue
        staged = f"s.{name}::{kind}" if kind.startswith("numeric") else f"s.{name}"
        default = [table.defaults[name]] if name in table.defaults else []
        columns.append(f"coalesce({', '.join([staged, f'o.{name}', *default])}) AS {name}")
    return f"SELECT s.seq, s.idx, o.seq IS NOT NULL AS existed, {', '.join(columns)}"


def _errors(table: FactTable) -> str:
    checks = (
        f"array_remove(ARRAY[{', '.join(table.checks)}]::text[], NULL)"
        if table.checks
        else "'{}'::text[]"
    )
    if table.superseded:  # a superseded record is a duplicate: it is not merged, so not checked
        checks = f"CASE WHEN {table.superseded} THEN '{{}}'::text[] ELSE {checks} END"
    if not table.owner_field:
        return checks
    owner = f"{table.owner_field}: already sent by another vendor''s feed for this client"
    return f"CASE WHEN o.vendor_id <> d.vendor_id THEN ARRAY['{owner}'] ELSE {checks} END"


def _told(table: FactTable) -> str:
    """Return the CTE telling the aggregator: change rows, or dirty markers (see module)."""
    time, subject = table.time_column, table.subject_column
    interval = f"date_bin(%(interval)s::interval, {{at}}, {GRID_ORIGIN_SQL})"
    if table.subject in DELTA_SOURCES:  # the typed columns the stats read, not the whole row
        columns = CHANGE_COLUMNS[table.subject]
        return (
            "told AS (INSERT INTO stats_changes (subject, client_id, subject_id, interval_start,"
            f" sign, {', '.join(columns)}) SELECT %(subject)s, client_id, {subject},"
            f" {interval.format(at=time)}, 1, {', '.join(columns)} FROM w UNION ALL"
            f" SELECT %(subject)s, o.client_id, o.{subject}, {interval.format(at=f'o.{time}')},"
            f" -1, {', '.join(f'o.{c}' for c in columns)} FROM o JOIN w ON w.seq = o.seq"
            " WHERE w.existed)"
        )
    return (
        "told AS (INSERT INTO dirty_intervals (client_id, subject, subject_id, interval_start)"
        f" SELECT DISTINCT client_id, %(subject)s, subject_id, {interval.format(at='at')} FROM"
        f" (SELECT client_id, {subject} AS subject_id, {time} AS at FROM w UNION ALL"
        " SELECT client_id, old_subject, old_time FROM w WHERE existed) touched"
        " ORDER BY 1, 3, 4 ON CONFLICT (client_id, subject, subject_id, interval_start)"
        " DO UPDATE SET marked_at = EXCLUDED.marked_at)"
    )


@cache
def merge_sql(table: FactTable) -> str:
    """Return the statement merging pass `%(pass_no)s` of the staged records into `table`.

    It answers one row: how many stored rows it read (other than the rows `lock_sql`
    locked: the same), the indices of the records that changed nothing, and `[index,
    errors]` of each refused row, in staging order. One row rather than one per record: the
    answer of a batch that is all written or all replayed is a few bytes to read, not a
    thousand rows.

    New keys are inserted plainly, in key order, into the keys table and the table alike
    (PostgreSQL runs the unread CTEs last one first, so the table's insert comes first):
    writers of the same new keys then wait for each other in one order and never deadlock.
    A key a concurrent writer took first (it was not among the stored rows read) fails the
    statement with a unique violation, and the caller retries. `ON CONFLICT DO NOTHING`
    and a count of the keys made told the same at a cost of some 1 µs per new row (a
    speculative insertion checks the index twice).
    """
    name, time, subject = table.name, table.time_column, table.subject_column
    columns = list(table.columns)
    values = [c for c in columns if c not in table.key]
    derived = "".join(f", {expr} AS {col}" for col, expr in table.derived.items())
    order = ", ".join(table.key)
    current = f"NOT coalesce({table.superseded}, false) AND " if table.superseded else ""
    if table.keys_table:
        key_columns = ", ".join([*table.key, time])
        made = (
            f"made AS (INSERT INTO {table.keys_table} ({key_columns}) SELECT {key_columns}"
            f" FROM w WHERE NOT existed ORDER BY {order}),"
            f" ins AS (INSERT INTO {name} ({', '.join(columns)}) SELECT {', '.join(columns)}"
            f" FROM w WHERE NOT existed ORDER BY {order}),"
            f" moved AS (UPDATE {table.keys_table} k SET {time} = w.{time} FROM w"
            f" WHERE w.existed AND w.{time} <> w.old_time AND {_match(table, 'k', 'w')}),"
        )
    else:
        made = (
            f"made AS (INSERT INTO {name} ({', '.join(columns)}) SELECT {', '.join(columns)}"
            f" FROM w WHERE NOT existed ORDER BY {order}),"
        )
    return (
        f"WITH s AS (SELECT * FROM {stage_name(table)} WHERE pass_no = %(pass_no)s),"
        f" o AS ({_stored(table)}),"
        f" e AS (SELECT d.*, {_errors(table)} AS errors, o.{time} AS old_time,"
        f" o.{subject} AS old_subject, {current}(NOT d.existed OR"
        f" ROW({', '.join('d.' + c for c in values)})"
        f" IS DISTINCT FROM ROW({', '.join('o.' + c for c in values)})) AS changed"
        f" FROM s LEFT JOIN o ON o.seq = s.seq CROSS JOIN LATERAL ({_merged(table)}) m"
        f" CROSS JOIN LATERAL (SELECT m.*{derived}) d),"
        " w AS (SELECT * FROM e WHERE changed AND idx NOT IN"
        " (SELECT idx FROM e WHERE cardinality(errors) > 0)),"
        f" {made}"
        f" upd AS (UPDATE {name} t SET {', '.join(f'{c} = w.{c}' for c in values)},"
        f" updated_at = now() FROM w WHERE w.existed AND {_match(table, 't', 'w')}"
        f" AND t.{time} = w.old_time),"
        f" {_told(table)}"
        " SELECT (SELECT count(*) FROM o) AS stored,"
        " (SELECT coalesce(array_agg(idx), '{}') FROM (SELECT idx FROM e GROUP BY idx"
        " HAVING NOT bool_or(changed OR cardinality(errors) > 0)) u) AS unchanged,"
        " (SELECT coalesce(jsonb_agg(jsonb_build_array(idx, errors) ORDER BY seq), '[]')"
        " FROM e WHERE cardinality(errors) > 0) AS refused"
    )
