"""The schema is built by migrations only, matches the models, and partitions by month."""

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.models import Base
from app.partitions import (
    PartitionManager,
    include_in_migrations,
    month_start,
    next_month,
    partition_name,
)


def test_models_match_migrations(database):
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_in_migrations})
        assert compare_metadata(context, Base.metadata) == []


def test_fact_tables_are_partitioned_by_month_with_client_first_keys(pg):
    rows = pg.execute(
        "SELECT c.relname, pg_get_partkeydef(c.oid) FROM pg_class c"
        " WHERE c.relkind = 'p' ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("agent_state_changes", "RANGE (at)"),
        ("calls", "RANGE (offered_at)"),
        ("tickets", "RANGE (created_at)"),
    ]
    pks = pg.execute(
        "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'p' AND conrelid::regclass::text IN"
        " ('calls', 'call_keys', 'tickets', 'ticket_keys', 'agent_state_changes')"
    ).fetchall()
    assert all(definition.startswith("PRIMARY KEY (client_id") for _, definition in pks)


def test_partitions_are_created_ahead(database, pg):
    now = datetime.now(UTC)
    PartitionManager(database.engine).ensure_ahead(now, 3)
    month = month_start(now)
    expected = []
    for _ in range(4):
        expected.append(partition_name("calls", month))
        month = next_month(month)
    found = {r[0] for r in pg.execute("SELECT relname FROM pg_class WHERE relname LIKE 'calls_p%'")}
    assert set(expected) <= found


def test_month_arithmetic_across_year_end():
    december = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert month_start(december) == datetime(2026, 12, 1, tzinfo=UTC)
    assert next_month(month_start(december)) == datetime(2027, 1, 1, tzinfo=UTC)
    assert partition_name("calls", month_start(december)) == "calls_p202612"
