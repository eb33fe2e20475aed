"""Shared checks for aggregation tests: snapshots, full recomputes, a Python reference."""

from collections.abc import Callable
from datetime import datetime

import psycopg
from alembic import command
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.db import Database, driver_connection, libpq_url
from app.core.vocabulary import BLOCKED_EXITS, CALLBACK_EXIT, OVERFLOW_EXITS
from app.kpi.aggregation import drain, mark_queues_for_rebuild, rebuild
from app.kpi.definitions import CALL_COMPONENTS
from app.kpi.sources import exit_component
from app.main import create_app
from app.migrate import alembic_config
from tests.factories import Tenant, make_tenant, post

STATS = {  # each table's key after client_id: the snapshot's first columns and its order
    "call_interval_stats": "queue_id, interval_start, agent_id, vendor_id",
    "agent_interval_stats": "agent_id, interval_start",
    "ticket_interval_stats": "queue_id, channel, interval_start, vendor_id",
    "call_day_stats": "queue_id, day, agent_id, vendor_id",
    "call_minute_stats": "queue_id, minute_start, vendor_id",
    "agent_day_stats": "agent_id, day",
}


def client_id(pg: psycopg.Connection, code: str) -> int:
    """Return a client's id."""
    return pg.execute("SELECT id FROM clients WHERE code = %s", [code]).fetchone()[0]


def stats_snapshot(pg: psycopg.Connection, client: int) -> dict[str, list[tuple]]:
    """Return every stats row of one client, its key columns first, in a stable order."""
    snapshot = {}
    for table, order in STATS.items():
        keys = ["client_id", *order.split(", ")]
        rest = [
            name
            for (name,) in pg.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
                " AND table_schema = current_schema() AND column_name <> ALL(%s)"
                " ORDER BY ordinal_position",
                [table, keys],
            )
        ]
        snapshot[table] = pg.execute(
            f"SELECT {', '.join([*keys, *rest])} FROM {table} WHERE client_id = %s"
            f" ORDER BY {order}",
            [client],
        ).fetchall()
    return snapshot


def full_recompute(
    pg: psycopg.Connection, database: Database, settings: Settings, client: int
) -> dict[str, list[tuple]]:
    """Throw the client's stats away, rebuild them from raw rows, and snapshot them."""
    for table in STATS:
        pg.execute(f"DELETE FROM {table} WHERE client_id = %s", [client])
    rebuild(database, settings, client_id=client)
    return stats_snapshot(pg, client)


def reference_components(rows: list[dict], threshold_s: int, short_s: int) -> dict[str, float]:
    """Compute call components in plain Python from raw call rows (DESIGN §7, by hand)."""
    c = dict.fromkeys(CALL_COMPONENTS, 0.0)
    for r in rows:
        if not r["offered_known"] or r["direction"] != "inbound":
            continue
        c["received"] += 1
        end = r["answered_at"] or r["ended_at"]
        if end is None:
            continue  # still waiting
        wait = (end - r["offered_at"]).total_seconds()
        if r["answered_at"]:
            c["answered"] += 1
            c["wait_answered_s"] += wait
            c["answered_within_threshold"] += wait <= threshold_s
            if r["ended_at"]:
                c["handled"] += 1
                c["talk_s"] += (
                    float(r["talk_s"])
                    if r["talk_s"] is not None
                    else max(
                        0.0,
                        (r["ended_at"] - r["answered_at"]).total_seconds()
                        - float(r["hold_s"] or 0),
                    )
                )
        elif r["exit_reason"] in (*OVERFLOW_EXITS, *BLOCKED_EXITS):
            c["overflowed" if r["exit_reason"] in OVERFLOW_EXITS else "blocked"] += 1
            c[exit_component(r["exit_reason"])] += 1
        elif r["exit_reason"] == CALLBACK_EXIT:
            c["callbacks"] += 1
        elif wait < short_s:
            c["short_abandoned"] += 1
        else:
            c["abandoned"] += 1
            c["abandoned_within_threshold"] += wait <= threshold_s
        if r["csat"] is not None:
            c["surveyed"] += 1
            c["csat_sum"] += float(r["csat"])
    return c


def raw_calls(pg: psycopg.Connection, client: int, lo: datetime, hi: datetime) -> list[dict]:
    """Return a client's raw call rows offered in `[lo, hi)`."""
    cur = pg.execute(
        "SELECT * FROM calls WHERE client_id = %s AND offered_at >= %s AND offered_at < %s",
        [client, lo, hi],
    )
    names = [d.name for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def migrate(database: Database, how: str, revision: str) -> None:
    """Run `alembic upgrade|downgrade <revision>` on the database."""
    config = alembic_config()
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, how)(config, revision)


def round_trip(
    database: Database, make_calls: Callable[[Tenant], list[dict]], down_to: str
) -> tuple[psycopg.Connection, int, dict[str, list[tuple]]]:
    """Push a new tenant's calls, aggregate, then downgrade to `down_to` and upgrade again.

    Return an autocommit connection, the client's id and its stats from before the round
    trip, for the caller to compare with the stats after it and read the filled column.
    """
    settings = Settings(database_url=database.url, rate_limit_per_s=0, scheduler=False)
    tenant = make_tenant(database)
    calls = make_calls(tenant)
    with TestClient(create_app(settings, database)) as http:
        assert post(http, "/v1/calls", calls, tenant).json()["accepted"] == len(calls)
    drain(database, settings)
    pg = psycopg.connect(libpq_url(database.url), autocommit=True)
    cid = client_id(pg, tenant.client)
    aggregated = stats_snapshot(pg, cid)
    migrate(database, "downgrade", down_to)
    migrate(database, "upgrade", "head")
    return pg, cid, aggregated


def activity(pg, cid: int) -> dict[tuple[str, str], datetime]:
    """Return `{(queue code, vendor code): last_at}` of a client's feed activity."""
    rows = pg.execute(
        "SELECT q.code, v.code, f.last_at FROM feed_activity f JOIN queues q ON q.id = f.queue_id"
        " JOIN vendors v ON v.id = f.vendor_id WHERE f.client_id = %s",
        [cid],
    )
    return {(queue, vendor): at for queue, vendor, at in rows}


def newest_facts(pg, cid: int) -> dict[tuple[str, str], datetime]:
    """Return the newest `updated_at` of the client's calls and tickets per queue and vendor."""
    rows = pg.execute(
        "SELECT q.code, v.code, max(f.at) FROM (SELECT queue_id, vendor_id, updated_at AS at"
        " FROM calls WHERE client_id = %(c)s UNION ALL SELECT queue_id, vendor_id, updated_at"
        " FROM tickets WHERE client_id = %(c)s) f JOIN queues q ON q.id = f.queue_id"
        " JOIN vendors v ON v.id = f.vendor_id GROUP BY 1, 2",
        {"c": cid},
    )
    return {(queue, vendor): at for queue, vendor, at in rows}


def settings_changed(database: Database, pg: psycopg.Connection, settings: Settings, code: str):
    """Mark every interval of a queue for a recompute, as a change of its settings does."""
    queue_id = pg.execute("SELECT id FROM queues WHERE code = %s", [code]).fetchone()[0]
    with database.session_scope() as session:
        mark_queues_for_rebuild(driver_connection(session), settings.interval_minutes, [queue_id])
