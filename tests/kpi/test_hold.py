"""The hold KPIs end to end: CDRs through the API into /v1/metrics, targets, contracts, rules."""

from app.alerts.config import AlertRuleSpec
from app.tenancy.config import QueueSpec
from tests.contracts.helpers import apply, contract_entry, ingest, report
from tests.kpi.test_metrics_api import DAY, call, metrics

# 4 handled calls (h1, h2, h3, h6) hold 0, 30, 90 and unknown s: Σ hold 120 s, 2 held.
# h4 is still talking (held 40 s, not handled) and h5 abandoned: neither counts.
HOLD_CALLS = [
    ("h1", "09:00:00", {"wait": 5, "talk": 100, "hold_s": 0}),
    ("h2", "09:05:00", {"wait": 10, "talk": 200, "hold_s": 30}),
    ("h3", "09:10:00", {"wait": 5, "talk": 50, "hold_s": 90}),
    ("h4", "09:15:00", {"wait": 5, "hold_s": 40}),
    ("h5", "09:20:00", {"abandoned_after": 30}),
    ("h6", "09:25:00", {"wait": 5, "talk": 60}),
]


def test_avg_hold_and_hold_rate_by_hand_through_metrics_and_the_sla_report(
    client, tenant, database, settings
):
    calls = [call(i, tenant.queue, at, agent="ag1", **more) for i, at, more in HOLD_CALLS]
    ingest(client, database, settings, tenant, "/v1/calls", calls)
    [row] = metrics(client, tenant, queue=tenant.queue, **{"from": DAY}, granularity="day")[
        "series"
    ][:1]
    assert row["handled"] == 4
    assert row["avg_hold_s"] == 30  # 120 s / 4 handled
    assert row["hold_rate"] == 0.5  # 2 held / 4 handled
    apply(
        database,
        contract_entry(
            tenant,
            targets={
                "avg_hold_s": {"max": 25, "weight": 50},
                "hold_rate": {"max": 0.6, "weight": 50},
            },
        ),
    )
    body = report(client, tenant, period=DAY)
    assert {t["kpi"]: (t["actual"], t["met"]) for t in body["targets"]} == {
        "avg_hold_s": (30.0, False),
        "hold_rate": (0.5, True),
    }


def test_hold_kpis_are_queue_targets_and_alert_metrics():
    queue = QueueSpec.model_validate(
        {
            "code": "q",
            "client": "c",
            "targets": {"avg_hold_s": {"max": 40}, "hold_rate": {"max": 0.3}},
        }
    )
    assert set(queue.targets) == {"avg_hold_s", "hold_rate"}
    rule = AlertRuleSpec.model_validate(
        {"name": "r", "metric": "hold_rate", "op": ">", "threshold": "target"}
    )
    assert rule.metric == "hold_rate"
