"""Lay a migrated database out on a Citus cluster: reference tables, and tables by client.

Tenancy and settings (small, read by every node, joined to everything) become reference
tables, copied to every node; facts, keys, markers, stats, alerts and the other per-client
rows are distributed by `client_id`, co-located with `calls`, so one client's statements
run on one node. A table with a nullable client (`rejected_records`, `feed_quality_counts`,
`audit_entries`) cannot be distributed by it: a record refused before its client is known
has none. Those are reference tables too: the exception, not the flow (rejections are
deduplicated; quality counts and audit entries are a few rows per day).

Citus cannot convert a table with an identity column once it has become a "Citus local
table", and every local table that refers to a table becomes one the moment that table
becomes a reference table. So the foreign keys of the tables being converted are dropped
first and added back last, in the one transaction that converts them (tried on Citus 13.2).
"""

from sqlalchemy import Connection, Engine, text

from app.core.errors import ConfigError
from app.core.locks import Lock, wait_for_lock

DISTRIBUTION_COLUMN = "client_id"
ANCHOR = "calls"  # the co-location group every distributed table joins
DISTRIBUTED_TABLES = (
    *(ANCHOR, "agent_state_changes", "tickets", "call_keys", "ticket_keys"),
    *("dirty_intervals", "claimed_intervals", "stats_changes"),
    *("feed_activity", "agent_feed_activity"),
    *("call_interval_stats", "call_day_stats", "call_minute_stats"),
    *("agent_interval_stats", "agent_day_stats"),
    *("ticket_interval_stats", "alerts", "alert_deliveries"),
    *("forecasts", "qa_evaluations", "schedule_segments"),
)
REFERENCE_TABLES = (
    *("clients", "vendors", "queues", "queue_vendors", "agents", "feeds"),
    *("api_keys", "users", "share_links", "login_failures"),
    *("contracts", "contract_queues", "period_closes", "closed_reports"),
    *("disputes", "dispute_steps", "audit_entries", "measures", "measurements"),
    *("notifiers", "alert_rules", "rejected_records", "feed_quality_counts"),
)
LOCAL_TABLES = ("alembic_version",)  # the coordinator's own bookkeeping


def citus_installed(conn: Connection) -> bool:
    """Tell whether the `citus` extension is installed in this database."""
    return bool(conn.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'citus'")))


def is_distributed(engine: Engine) -> bool:
    """Tell whether this database has been laid out on Citus (`calls` is distributed)."""
    with engine.connect() as conn:
        return citus_installed(conn) and bool(
            conn.scalar(
                text("SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text = :t"),
                {"t": ANCHOR},
            )
        )


def keep_new_tables_plain(conn: Connection) -> None:
    """Keep the tables created in this transaction plain, whatever their foreign keys refer to."""
    conn.execute(text("SET LOCAL citus.enable_local_reference_table_foreign_keys TO off"))


def distribute(engine: Engine) -> list[str]:
    """Convert every table not yet laid out; return their names (none: nothing to do)."""
    with engine.begin() as conn:
        wait_for_lock(conn, Lock.MIGRATIONS)
        if not citus_installed(conn):
            raise ConfigError(
                f"database {conn.engine.url.database!r} has no citus extension: run"
                " `CREATE EXTENSION citus` in it on the coordinator and on every worker,"
                " register the nodes (citus_set_coordinator_host, citus_add_node), then"
                " `callpulse distribute` again"
            )
        _turn_jit_off(conn)
        reference, distributed = _pending(conn)
        if not reference and not distributed:
            return []
        conn.execute(text("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'"))
        keep_new_tables_plain(conn)
        foreign_keys = _drop_foreign_keys(conn, [*reference, *distributed])
        for table in reference:
            conn.execute(text("SELECT create_reference_table(:t)"), {"t": table})
        for table in distributed:
            conn.execute(
                text("SELECT create_distributed_table(:t, :column, colocate_with => :with)"),
                {"t": table, "column": DISTRIBUTION_COLUMN, "with": _colocate_with(table)},
            )
        for statement in foreign_keys:
            conn.execute(text(statement))
        return [*reference, *distributed]


def _turn_jit_off(conn: Connection) -> None:
    """Turn JIT compilation off for the database's new sessions (Citus propagates it).

    The coordinator plans each distributed step at a made-up 100,000 rows, over the JIT
    threshold: the ingest merge (a dozen steps) spent 2-4 s compiling each time instead of
    0.2 s running (Citus 13.2). The nodes' own statements are short; JIT buys them nothing."""
    name = conn.scalar(text("SELECT quote_ident(current_database())"))
    conn.execute(text(f"ALTER DATABASE {name} SET jit = off"))


def _pending(conn: Connection) -> tuple[list[str], list[str]]:
    """Return the reference and distributed tables not yet converted, in the catalogue's order.

    Refuses a table the catalogue does not name, or one laid out the other way."""
    rows = conn.execute(
        text(
            "SELECT c.relname, p.partmethod, p.repmodel FROM pg_class c"
            " LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid"
            " WHERE c.relnamespace = current_schema()::regnamespace"
            " AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
        )
    ).all()
    layout = {name: _kind(method, model) for name, method, model in rows}
    unknown = sorted(layout.keys() - {*DISTRIBUTED_TABLES, *REFERENCE_TABLES, *LOCAL_TABLES})
    if unknown:
        raise ConfigError(
            f"tables {', '.join(unknown)} are neither distributed nor reference tables:"
            " name each in app/distribute.py"
        )
    for tables, kind in ((REFERENCE_TABLES, "reference"), (DISTRIBUTED_TABLES, "distributed")):
        wrong = [t for t in tables if layout.get(t) not in (None, "local", kind)]
        if wrong:
            raise ConfigError(f"tables {', '.join(wrong)} should be {kind} tables on Citus")
    return (
        [t for t in REFERENCE_TABLES if layout.get(t) == "local"],
        [t for t in DISTRIBUTED_TABLES if layout.get(t) == "local"],
    )


def _kind(method: str | None, model: str | None) -> str:
    """Name a table's Citus layout from its `pg_dist_partition` row (None: a plain table)."""
    if method == "h":
        return "distributed"
    if method == "n" and model == "t":
        return "reference"
    return "local"  # a plain table, or a "Citus local table" made by a foreign key


def _drop_foreign_keys(conn: Connection, tables: list[str]) -> list[str]:
    """Drop the foreign keys of these tables; return the statements that add them back."""
    rows = conn.execute(
        text(
            "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),"
            " format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,"
            " pg_get_constraintdef(oid))"
            " FROM pg_constraint WHERE contype = 'f' AND conparentid = 0"
            " AND conrelid::regclass::text = ANY(:tables) ORDER BY conrelid, conname"
        ),
        {"tables": tables},
    ).all()
    for drop, _ in rows:
        conn.execute(text(drop))
    return [add for _, add in rows]


def _colocate_with(table: str) -> str:
    """Return the table a distributed table is co-located with (the anchor starts the group)."""
    return "default" if table == ANCHOR else ANCHOR
