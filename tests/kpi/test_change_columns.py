"""The change log keeps each fact column the delta stats read, typed as in its fact table;
migration 0030 turns the changes pending at an upgrade or downgrade into markers."""

import psycopg
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.db import libpq_url
from app.kpi.aggregation import drain
from app.kpi.repository import CHANGE_COLUMNS, DELTA_SOURCES
from app.main import create_app
from tests.factories import make_tenant, post
from tests.kpi.helpers import client_id, full_recompute, migrate, stats_snapshot

TIMES = {"offered_at": "2026-11-20T09:00:00+08:00", "ended_at": "2026-11-20T09:03:00+08:00"}


def column_types(pg, table: str) -> dict[str, str]:
    """Return `{column: SQL type}` of a table in the migrated test database."""
    rows = pg.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    return dict(rows.fetchall())


@pytest.mark.parametrize("subject", sorted(DELTA_SOURCES))
def test_each_column_the_stats_read_is_logged_with_its_fact_type(database, pg, subject):
    source = DELTA_SOURCES[subject]
    facts, changes = column_types(pg, source.fact_table), column_types(pg, "stats_changes")
    read = CHANGE_COLUMNS[subject]  # each a column of the fact table (else a KeyError)
    assert {c: changes.get(c) for c in read} == {c: facts[c] for c in read}


def test_a_round_trip_turns_pending_changes_into_markers_and_loses_none(own_database):
    settings = Settings(database_url=own_database.url, rate_limit_per_s=0, scheduler=False)
    tenant = make_tenant(own_database)
    with TestClient(create_app(settings, own_database)) as http:
        call = {"call_id": "t1", "queue": tenant.queue, **TIMES}
        ticket = {"ticket_id": "t1", "queue": tenant.queue, "channel": "chat"}
        assert post(http, "/v1/calls", [call], tenant).json()["accepted"] == 1
        ticket |= {"created_at": TIMES["offered_at"], "resolved_at": TIMES["ended_at"]}
        assert post(http, "/v1/tickets", [ticket], tenant).json()["accepted"] == 1
    for how, revision in (("downgrade", "0029"), ("upgrade", "head")):
        migrate(own_database, how, revision)
        with psycopg.connect(libpq_url(own_database.url), autocommit=True) as pg:
            cid = client_id(pg, tenant.client)
            pending = pg.execute("SELECT count(*) FROM stats_changes WHERE client_id = %s", [cid])
            assert pending.fetchone()[0] == 0
            marked = pg.execute(
                "SELECT subject, count(*) FROM dirty_intervals WHERE client_id = %s"
                " GROUP BY 1 ORDER BY 1",
                [cid],
            )
            assert marked.fetchall() == [("queue", 1), ("ticket_queue", 1)]
    drain(own_database, settings)
    with psycopg.connect(libpq_url(own_database.url), autocommit=True) as pg:
        stats = stats_snapshot(pg, cid)
        assert len(stats["call_interval_stats"]) == len(stats["ticket_interval_stats"]) == 1
        assert full_recompute(pg, own_database, settings, cid) == stats
