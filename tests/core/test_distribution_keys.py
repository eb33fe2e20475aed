"""Every table distributes with Citus by client: read from the migrated schema, no Citus needed.

Citus distributes a table by `client_id` only when each primary key, unique constraint and
unique index holds that column (here: leads with it), and a foreign key between two
distributed tables joins on it. A foreign key from a distributed table to a reference table
needs nothing; one from a reference table to a distributed table is refused.
"""

import os
from datetime import UTC, datetime

import pytest

from app.core.errors import ConfigError
from app.distribute import (
    DISTRIBUTED_TABLES,
    DISTRIBUTION_COLUMN,
    LOCAL_TABLES,
    REFERENCE_TABLES,
    distribute,
)
from app.partitions import PartitionManager
from tests.cli.test_commands import callpulse

TABLES = (
    "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
    " AND relkind IN ('r', 'p') AND NOT relispartition"
)
# every key (primary, unique constraint or unique index) with its first column
UNIQUE_KEYS = (
    "SELECT t.relname, i.relname, a.attname FROM pg_index x"
    " JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid"
    " LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]"
    " WHERE x.indisunique AND t.relname = ANY(%s)"
)
# every foreign key with the first column on each side
FOREIGN_KEYS = (
    "SELECT c.conname, t.relname, a.attname, r.relname, ra.attname FROM pg_constraint c"
    " JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid"
    " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
    " JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]"
    " WHERE c.contype = 'f' AND c.conparentid = 0"
)


def test_every_table_is_distributed_or_a_reference_table(database, pg):
    tables = {name for (name,) in pg.execute(TABLES)}
    named = [*DISTRIBUTED_TABLES, *REFERENCE_TABLES, *LOCAL_TABLES]
    assert len(named) == len(set(named)), "a table named twice"
    assert tables == set(named)


def test_every_key_of_a_distributed_table_leads_with_client_id(database, pg):
    keys = pg.execute(UNIQUE_KEYS, [list(DISTRIBUTED_TABLES)]).fetchall()
    assert {table for table, _, _ in keys} == set(DISTRIBUTED_TABLES)  # each has a key
    wrong = [(table, key) for table, key, first in keys if first != DISTRIBUTION_COLUMN]
    assert wrong == []


def test_client_id_is_never_null_in_a_distributed_table(database, pg):
    nullable = pg.execute(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND column_name = %s AND is_nullable = 'YES' AND table_name = ANY(%s)",
        [DISTRIBUTION_COLUMN, list(DISTRIBUTED_TABLES)],
    ).fetchall()
    assert nullable == []


def test_foreign_keys_between_distributed_tables_join_on_client_id(database, pg):
    distributed = set(DISTRIBUTED_TABLES)
    wrong = []
    for name, table, first, referred, referred_first in pg.execute(FOREIGN_KEYS):
        if table in distributed and referred in distributed:
            if (first, referred_first) != (DISTRIBUTION_COLUMN, DISTRIBUTION_COLUMN):
                wrong.append(name)
        elif referred in distributed:
            wrong.append(name)  # a reference table cannot refer to a distributed one
    assert wrong == []


@pytest.mark.skipif(
    bool(os.environ.get("CALLPULSE_TEST_CITUS_URL")), reason="the database runs Citus"
)
def test_distribute_refuses_a_database_without_citus(database):
    with pytest.raises(ConfigError, match="no citus extension"):
        distribute(database.engine)


@pytest.mark.skipif(
    not os.environ.get("CALLPULSE_TEST_CITUS_URL"),
    reason="CALLPULSE_TEST_CITUS_URL is not set: no Citus coordinator to distribute on",
)
def test_the_session_database_is_laid_out_on_citus(database, pg):
    layout = dict(
        pg.execute(
            "SELECT logicalrelid::text, CASE WHEN partmethod = 'h' THEN 'distributed'"
            " WHEN repmodel = 't' THEN 'reference' ELSE 'local' END FROM pg_dist_partition"
        ).fetchall()
    )
    assert {t: layout.get(t) for t in DISTRIBUTED_TABLES} == dict.fromkeys(
        DISTRIBUTED_TABLES, "distributed"
    )
    assert {t: layout.get(t) for t in REFERENCE_TABLES} == dict.fromkeys(
        REFERENCE_TABLES, "reference"
    )
    assert distribute(database.engine) == []  # a second run has nothing to do
    # JIT off on every node: the coordinator's made-up row counts made it compile each time.
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
    on_workers = pg.execute("SELECT result FROM run_command_on_workers('SHOW jit')").fetchall()
    assert on_workers and {result for (result,) in on_workers} == {"off"}


@pytest.mark.skipif(
    not os.environ.get("CALLPULSE_TEST_CITUS_URL"),
    reason="CALLPULSE_TEST_CITUS_URL is not set: no Citus coordinator to distribute on",
)
def test_a_new_partition_of_a_distributed_table_is_distributed(database, pg):
    month = datetime(2039, 1, 1, tzinfo=UTC)  # far ahead: made by this test alone
    PartitionManager(database.engine).ensure([("calls", month), ("tickets", month)])
    made = pg.execute(
        "SELECT logicalrelid::text, partmethod FROM pg_dist_partition"
        " WHERE logicalrelid::text IN ('calls_p203901', 'tickets_p203901') ORDER BY 1"
    ).fetchall()
    assert made == [("calls_p203901", "h"), ("tickets_p203901", "h")]


def test_callpulse_distribute_says_what_it_did(database, database_url):
    run = callpulse(database_url, "distribute")
    if os.environ.get("CALLPULSE_TEST_CITUS_URL"):
        assert run.returncode == 0 and "already distributed: nothing to do" in run.stderr
    else:
        assert run.returncode == 2 and "has no citus extension" in run.stderr
