"""What `/metrics` counts: ingest outcomes and reasons, aggregation, alerts, HTTP by route —
and never a tenant's code or a record's content."""

from datetime import UTC, datetime, timedelta

import pytest

from app.alerts.service import evaluate_all
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.jobs import timed_pass
from app.kpi import aggregation
from tests.alerts.receivers import HttpReceiver
from tests.factories import cdr, post
from tests.kpi.helpers import client_id
from tests.monitoring.helpers import scrape, value

RECORDS = "callpulse_ingest_records_total"
REJECTIONS = "callpulse_ingest_rejections_total"


def test_ingest_counts_records_by_outcome_and_rejections_by_field(client, tenant, admin_key):
    now = datetime.now(UTC).replace(microsecond=0)
    good = [
        cdr(f"m{i}", tenant.queue, (now - timedelta(minutes=i + 1)).isoformat()) for i in range(3)
    ]
    _, before = scrape(client, admin_key)
    assert post(client, "/v1/calls", good, tenant).json()["accepted"] == 3
    bad = [
        good[0],  # a duplicate
        {"call_id": "m-no-offer", "queue": tenant.queue},  # offered_at: required
        {**cdr("m-extra", tenant.queue, now.isoformat()), "secret_note": "VIP 13800138000"},
        {**cdr("m-foreign", tenant.other_queue, now.isoformat())},  # queue: not served
        {**cdr("m-csat", tenant.queue, now.isoformat()), "csat": 900, "talk_s": -1},
    ]
    answer = post(client, "/v1/calls", bad, tenant, fmt="ndjson").json()
    assert answer["duplicates"] == 1 and len(answer["rejected"]) == 4
    text, after = scrape(client, admin_key)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta(RECORDS, kind="calls", outcome="accepted") == 3
    assert delta(RECORDS, kind="calls", outcome="duplicate") == 1
    assert delta(RECORDS, kind="calls", outcome="rejected") == 4
    assert delta(REJECTIONS, kind="calls", reason="offered_at") == 1
    assert delta(REJECTIONS, kind="calls", reason="other") == 1  # the unknown field, unnamed
    assert delta(REJECTIONS, kind="calls", reason="queue") == 1
    assert delta(REJECTIONS, kind="calls", reason="csat") == 1  # one per field a record breaks
    assert delta(REJECTIONS, kind="calls", reason="talk_s") == 1
    for secret in ("secret_note", "13800138000", tenant.client, tenant.vendor, tenant.queue):
        assert secret not in text


def test_http_latency_is_labelled_by_route_template(client, tenant, admin_key):
    _, before = scrape(client, admin_key)
    assert client.get(f"/v1/queues/{tenant.queue}/live", headers=tenant.auth()).status_code == 200
    assert client.get("/v1/queues/no-such-queue/live", headers=tenant.auth()).status_code == 404
    assert client.get(f"/no/such/{tenant.client}").status_code == 404
    assert client.get("/wall/_dash-layout").status_code in (200, 401, 403)
    text, after = scrape(client, admin_key)
    live = {"method": "GET", "route": "/v1/queues/{code}/live"}
    count = "callpulse_http_request_duration_seconds_count"
    assert value(after, count, **live) - value(before, count, **live) == 2
    requests = "callpulse_http_requests_total"
    for status in ("200", "404"):
        assert value(after, requests, **live, status=status) > value(
            before, requests, **live, status=status
        )
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, requests, **unmatched) > value(before, requests, **unmatched)
    assert value(after, count, method="GET", route="/wall") > 0
    assert tenant.queue not in text and tenant.client not in text


def test_aggregation_lag_is_the_oldest_marker_age_read_at_scrape_time(
    client, tenant, admin_key, database, settings, pg
):
    aggregation.drain(database, settings)
    _, idle = scrape(client, admin_key)
    assert value(idle, "callpulse_aggregation_pending_markers") == 0
    assert value(idle, "callpulse_aggregation_lag_seconds") == 0
    now = datetime.now(UTC).replace(microsecond=0)
    post(client, "/v1/calls", [cdr("lag1", tenant.queue, now.isoformat())], tenant)
    pg.execute(  # a call's stats change waits, as does an agent's marker
        "UPDATE stats_changes SET logged_at = now() - interval '95 seconds' WHERE client_id = %s",
        [client_id(pg, tenant.client)],
    )
    event = {"agent": "lag", "state": "available", "at": now.isoformat(), "queues": [tenant.queue]}
    post(client, "/v1/agent-events", [event], tenant)
    _, behind = scrape(client, admin_key)
    assert value(behind, "callpulse_aggregation_pending_markers") >= 1
    assert 95 <= value(behind, "callpulse_aggregation_lag_seconds") < 200
    passes = "callpulse_aggregation_pass_seconds_count"
    report = timed_pass(database, settings)
    assert report.markers >= 1 and report.changes >= 1
    _, caught_up = scrape(client, admin_key)
    assert value(caught_up, "callpulse_aggregation_lag_seconds") == 0
    assert value(caught_up, passes) == value(behind, passes) + 1
    taken = "callpulse_aggregation_markers_total"
    assert value(caught_up, taken) - value(behind, taken) == report.markers


@pytest.fixture
def receiver():
    server = HttpReceiver()
    yield server
    server.close()


def test_alert_evaluations_and_deliveries_by_notifier_type(
    client, tenant, admin_key, database, settings, pg, receiver
):
    receiver.fail_first = [500, 500, 500, 500]  # the first notice fails every retry
    # Feishu, which no other test's rules use: rules of other tests may notify too
    spec = {
        "notifiers": [{"name": f"hook-{tenant.client}", "type": "feishu", "url": receiver.url}],
        "alert_rules": [
            {
                "name": f"sl-{tenant.client}",
                "queues": [tenant.queue, tenant.shared_queue],
                "metric": "service_level",
                "window_min": 10,
                "op": "<",
                "threshold": 0.8,
                "min_volume": 5,
                "severity": "critical",
                "notify": [f"hook-{tenant.client}"],
            }
        ],
    }
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate(spec))
    now = datetime.now(UTC)
    for queue in (tenant.queue, tenant.shared_queue):
        calls = [
            cdr(
                f"{queue}-a{i}",
                queue,
                (now - timedelta(minutes=5, seconds=i)).isoformat(),
                gave_up_after=40,
            )
            for i in range(6)
        ]
        post(client, "/v1/calls", calls, tenant)
    _, before = scrape(client, admin_key)
    notices = evaluate_all(database, settings, now, client_id(pg, tenant.client))
    assert sum(n.message.rule == f"sl-{tenant.client}" for n in notices) == 2
    _, after = scrape(client, admin_key)
    evaluations = "callpulse_alert_evaluations_total"
    assert (
        value(after, evaluations, action="opened") - value(before, evaluations, action="opened")
        >= 2
    )
    deliveries = "callpulse_alert_deliveries_total"
    for outcome, expected in (("ok", 1), ("failed", 1)):
        labels = {"notifier_type": "feishu", "outcome": outcome}
        assert value(after, deliveries, **labels) - value(before, deliveries, **labels) == expected
