"""Three `callpulse worker` processes under a steady ingest: the stats equal a full
recompute and every alert transition reaches the webhook exactly once (issue 15 item 4)."""

import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from app.access.keys import create_key
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.kpi.aggregation import drain
from tests.alerts.receivers import HttpReceiver
from tests.factories import cdr
from tests.kpi.helpers import client_id, full_recompute, stats_snapshot
from tests.waiting import wait_for

CLIENTS = 6
INGEST_S = 10


def start_worker(database_url: str) -> subprocess.Popen:
    """Start `callpulse worker`, evaluating alerts every second."""
    env = {**os.environ, "DATABASE_URL": database_url, "CALLPULSE_ALERTS_EVERY_S": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_three_workers_split_the_passes_without_double_work(
    database_url, database, settings, pg, client
):
    receiver = HttpReceiver()
    s = secrets.token_hex(4)
    codes = [f"w{i}{s}" for i in range(CLIENTS)]
    queues = [f"wq{i}{s}" for i in range(CLIENTS)]
    spec = {
        "clients": [{"code": c, "name": f"Client {c}", "timezone": "UTC"} for c in codes],
        "vendors": [{"code": f"wv{s}", "name": "Vendor"}],
        "queues": [
            {"code": q, "client": c, "vendors": [f"wv{s}"]}
            for q, c in zip(queues, codes, strict=True)
        ],
        "notifiers": [{"name": f"hook-{s}", "type": "webhook", "url": receiver.url}],
        "alert_rules": [
            {
                "name": f"abandons-{s}",
                "queues": queues,
                "metric": "abandon_rate",
                "window_min": 60,
                "op": ">",
                "threshold": 0.2,
                "min_volume": 2,
                "severity": "warning",
                "notify": [f"hook-{s}"],
            }
        ],
    }
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate(spec))
        key = create_key(session, "vendor", vendor_code=f"wv{s}")
    auth = {"Authorization": f"Bearer {key}"}
    workers = [start_worker(database_url) for _ in range(3)]
    try:
        began, n = time.monotonic(), 0
        while time.monotonic() - began < INGEST_S:  # half abandoned: every queue alerts
            at = (datetime.now(UTC) - timedelta(minutes=3)).replace(microsecond=0).isoformat()
            records = []
            for queue in queues:
                records.append(cdr(f"a{n}{queue}", queue, at, gave_up_after=40))
                records.append(cdr(f"b{n}{queue}", queue, at, wait=5))
                n += 1
            assert client.post("/v1/calls", json=records, headers=auth).status_code == 200
            time.sleep(0.2)
        at = (datetime.now(UTC) - timedelta(minutes=2)).replace(microsecond=0).isoformat()
        calm = [  # the even clients' abandon rate falls under 0.2: their alerts resolve
            cdr(f"c{i}{queue}", queue, at, wait=5) for queue in queues[::2] for i in range(10 * n)
        ]
        assert client.post("/v1/calls", json=calm, headers=auth).status_code == 200

        def settled() -> bool:  # however loaded the machine (a Citus run shares it 2 ways)
            opened, resolved = pg.execute(
                "SELECT count(*), count(*) FILTER (WHERE a.state = 'resolved') FROM alerts a"
                " JOIN alert_rules r ON r.id = a.rule_id WHERE r.name = %s",
                [f"abandons-{s}"],
            ).fetchone()
            return opened >= CLIENTS and resolved >= CLIENTS // 2

        wait_for(settled, "every queue alerted and the calm ones resolved", timeout_s=120)
        time.sleep(3)  # a few more evaluation rounds of every worker: none may send again
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGINT)
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
        receiver.close()
    cids = [client_id(pg, c) for c in codes]
    aggregated = pg.execute(
        "SELECT count(DISTINCT client_id) FROM call_interval_stats WHERE client_id = ANY(%s)",
        [cids],
    ).fetchone()[0]
    assert aggregated == CLIENTS, "the workers aggregated every client"
    drain(database, settings, wait=True)
    for cid in cids:
        assert stats_snapshot(pg, cid) == full_recompute(pg, database, settings, cid)

    alerts = pg.execute(
        "SELECT a.id, a.state FROM alerts a JOIN alert_rules r ON r.id = a.rule_id"
        " WHERE r.name = %s",
        [f"abandons-{s}"],
    ).fetchall()
    assert len(alerts) >= CLIENTS, "every queue alerted"
    sent = Counter((r["json"]["alert_id"], r["json"]["event"]) for r in receiver.requests)
    assert sent, "the webhook got the alerts"
    assert max(sent.values()) == 1, f"sent twice: {[k for k, v in sent.items() if v > 1]}"
    opened = {alert_id for alert_id, event in sent if event == "opened"}
    assert opened == {alert_id for alert_id, _ in alerts}
    resolved = {alert_id for alert_id, event in sent if event == "resolved"}
    assert resolved == {alert_id for alert_id, state in alerts if state == "resolved"}
    assert len(resolved) >= CLIENTS // 2
    logged = pg.execute(
        "SELECT alert_id, event, count(*) FROM alert_deliveries WHERE alert_id = ANY(%s)"
        " GROUP BY 1, 2",
        [[alert_id for alert_id, _ in alerts]],
    ).fetchall()
    assert {(a, e): c for a, e, c in logged} == dict(sent)
