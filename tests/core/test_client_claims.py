"""Workers claim clients, each by its own advisory lock: two claims never share a client,
a held client is skipped (not waited for), and a rebuild still excludes every pass."""

from datetime import UTC, datetime

import pytest

from app.alerts.service import evaluate_all
from app.core.locks import Lock, try_lock, wait_for_lock
from app.kpi import repository
from app.kpi.aggregation import run_pass
from tests.alerts.receivers import HttpReceiver
from tests.alerts.test_engine import calls, rules
from tests.factories import make_tenant, post
from tests.kpi.helpers import client_id


@pytest.fixture
def receiver():
    server = HttpReceiver()
    yield server
    server.close()


def drain_passes(database, settings) -> None:
    """Run passes until one finds nothing it may take."""
    while True:
        report = run_pass(database, settings)
        if not (report.markers or report.changes or report.clients_left):
            return


def pending(pg, cid: int) -> int:
    return pg.execute(
        "SELECT (SELECT count(*) FROM stats_changes WHERE client_id = %(c)s)"
        " + (SELECT count(*) FROM dirty_intervals WHERE client_id = %(c)s)",
        {"c": cid},
    ).fetchone()[0]


def test_two_workers_claims_never_share_a_client(client, database, pg):
    tenants = [make_tenant(database) for _ in range(3)]
    now = datetime.now(UTC)
    for n, tenant in enumerate(tenants):
        post(client, "/v1/calls", calls(tenant.queue, now, 2, 1, f"cl{n}"), tenant)
    ours = {client_id(pg, t.client) for t in tenants}
    with database.engine.connect() as a, database.engine.connect() as b:
        a.exec_driver_sql("SELECT 1")  # each in its own transaction, as a pass is
        b.exec_driver_sql("SELECT 1")
        first, _ = repository.claim_clients(a.connection.driver_connection, 1, wait=False)
        second, _ = repository.claim_clients(b.connection.driver_connection, 10**9, wait=False)
        assert not set(first) & set(second)
        assert ours <= set(first) | set(second)  # every client with work was claimed
        a.rollback()
        b.rollback()


def test_a_pass_skips_a_client_another_worker_holds(client, database, settings, pg, tenant):
    post(client, "/v1/calls", calls(tenant.queue, datetime.now(UTC), 3, 1, "held"), tenant)
    cid = client_id(pg, tenant.client)
    with database.engine.connect() as holder:
        assert try_lock(holder, Lock.AGGREGATION, cid)
        drain_passes(database, settings)  # the others' work, not this client's
        assert pending(pg, cid) > 0
        holder.rollback()
    drain_passes(database, settings)
    assert pending(pg, cid) == 0


def test_a_rebuild_excludes_every_pass(database, settings):
    with database.engine.connect() as rebuilding:
        wait_for_lock(rebuilding, Lock.AGGREGATION)
        assert not run_pass(database, settings).locked
        rebuilding.rollback()
    assert run_pass(database, settings).locked


def test_an_alert_evaluation_skips_a_client_another_worker_holds(
    client, database, settings, pg, tenant, receiver
):
    rules(database, tenant, receiver)
    now = datetime.now(UTC)
    post(client, "/v1/calls", calls(tenant.queue, now, 3, 3, "x"), tenant)
    cid = client_id(pg, tenant.client)
    with database.engine.connect() as holder:
        assert try_lock(holder, Lock.ALERTS, cid)
        assert evaluate_all(database, settings, now, cid) == []
        holder.rollback()
    [notice] = evaluate_all(database, settings, now, cid)
    assert notice.message.event == "opened"
    assert len(receiver.requests) == 1
