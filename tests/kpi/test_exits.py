"""Queue exits beyond answered and abandoned (DESIGN §7): received, overflowed, blocked."""

import pytest

from app.alerts.config import AlertRuleSpec
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.kpi.definitions import KPIS, evaluate
from app.kpi.sources import NO_DATA
from app.tenancy.config import QueueSpec
from tests.contracts.helpers import apply, contract_entry, ingest, report
from tests.kpi.helpers import client_id
from tests.kpi.test_metrics_api import DAY, call, metrics

# 10 calls under T = 20 s, S = 0: 5 answered (waits 5, 10, 15 within T; 30, 40 beyond),
# 2 abandoned after 30 and 60 s (one without a reason, one saying so), one timeout, one
# exit_key (overflowed: offered, not abandoned) and one full (blocked: never offered).
EXIT_CALLS = [
    ("a1", "09:00:00", {"wait": 5, "talk": 100}),
    ("a2", "09:01:00", {"wait": 10, "talk": 100, "exit_reason": "answered"}),
    ("a3", "09:02:00", {"wait": 15, "talk": 100}),
    ("a4", "09:03:00", {"wait": 30, "talk": 100}),
    ("a5", "09:04:00", {"wait": 40, "talk": 100}),
    ("b1", "09:05:00", {"abandoned_after": 30}),
    ("b2", "09:06:00", {"abandoned_after": 60, "exit_reason": "abandoned"}),
    ("t1", "09:07:00", {"abandoned_after": 120, "exit_reason": "timeout"}),
    ("k1", "09:08:00", {"abandoned_after": 10, "exit_reason": "exit_key"}),
    ("f1", "09:09:00", {"abandoned_after": 0, "exit_reason": "full"}),
]
HAND = {  # the ten calls' KPIs, by hand
    "received": 10,
    "offered": 9,  # 5 answered + 2 abandoned + 2 overflowed = received − 1 blocked
    "answered": 5,
    "abandoned": 2,
    "overflowed": 2,
    "blocked": 1,
    "answer_rate": 5 / 9,
    "abandon_rate": 2 / 9,
    "overflow_rate": 2 / 9,
    "service_level": 3 / 9,  # abandoned_negative: A_T / offered
}


def test_exit_kpis_by_hand():
    components = NO_DATA | {
        "received": 10,
        "answered": 5,
        "answered_within_threshold": 3,
        "abandoned": 2,
        "overflowed": 2,
        "blocked": 1,
        "exit_timeout": 1,
        "exit_key": 1,
        "exit_full": 1,
    }
    assert evaluate(tuple(HAND), components, "abandoned_negative") == HAND
    assert evaluate(("overflow_rate",), NO_DATA, "abandoned_negative") == {"overflow_rate": None}
    # ignore_abandoned takes abandons within T out; overflowed calls stay in
    within = components | {"abandoned_within_threshold": 1}
    assert evaluate(("service_level",), within, "ignore_abandoned") == {"service_level": 3 / 8}


def test_exit_kpis_end_to_end_through_metrics_stats_and_a_contract(
    client, tenant, database, settings, pg
):
    calls = [call(i, tenant.queue, at, **more) for i, at, more in EXIT_CALLS]
    ingest(client, database, settings, tenant, "/v1/calls", calls)
    [row] = metrics(client, tenant, queue=tenant.queue, **{"from": DAY}, granularity="day")[
        "series"
    ][:1]
    assert {k: row[k] for k in HAND} == pytest.approx(HAND)
    stats = pg.execute(
        "SELECT sum(exit_timeout), sum(exit_key), sum(exit_full), sum(exit_empty),"
        " sum(exit_leave_empty), sum(exit_join_empty), sum(exit_closed), sum(exit_diverted),"
        " sum(callbacks), sum(short_abandoned) FROM call_day_stats WHERE client_id = %s",
        [client_id(pg, tenant.client)],
    ).fetchone()
    assert stats == (1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
    apply(database, contract_entry(tenant, targets={"overflow_rate": {"max": 0.2, "weight": 100}}))
    # the report rounds its actuals: 2 / 9 = 0.2222
    body = report(client, tenant, period=DAY)
    assert [(t["kpi"], t["actual"], t["met"]) for t in body["targets"]] == [
        ("overflow_rate", pytest.approx(2 / 9, abs=1e-4), False)
    ]


def test_a_callback_and_a_short_overflow_are_neither_abandoned_nor_short(
    client, tenant, database, settings
):
    short = {"code": tenant.queue, "client": tenant.client, "vendors": [tenant.vendor]}
    spec = TenancyFile.model_validate({"queues": [short | {"short_abandon_s": 5}]})
    with database.session_scope() as session:
        apply_tenancy(session, spec)
    calls = [
        call("c1", tenant.queue, "10:00:00", abandoned_after=40, exit_reason="callback"),
        call("x1", tenant.queue, "10:01:00", abandoned_after=2, exit_reason="exit_empty"),
        call("s1", tenant.queue, "10:02:00", abandoned_after=2),  # a short abandon
        call("j1", tenant.queue, "10:03:00", abandoned_after=0, exit_reason="join_empty"),
        call("w1", tenant.queue, "10:04:00", exit_reason="timeout"),  # not ended: waiting
    ]
    ingest(client, database, settings, tenant, "/v1/calls", calls)
    [row] = metrics(client, tenant, queue=tenant.queue, **{"from": DAY}, granularity="day")[
        "series"
    ][:1]
    got = {k: row[k] for k in ("received", "offered", "abandoned", "short_abandoned")}
    assert got == {"received": 5, "offered": 1, "abandoned": 0, "short_abandoned": 1}
    assert (row["overflowed"], row["blocked"], row["overflow_rate"]) == (1, 1, 1.0)


def test_overflow_rate_is_a_queue_target_and_an_alert_metric_the_counts_are_metrics():
    queue = QueueSpec.model_validate(
        {"code": "q", "client": "c", "targets": {"overflow_rate": {"max": 0.1}}}
    )
    assert set(queue.targets) == {"overflow_rate"}
    rule = AlertRuleSpec.model_validate(
        {"name": "r", "metric": "overflow_rate", "op": ">", "threshold": 0.1}
    )
    assert rule.metric == "overflow_rate"
    assert [KPIS[k].unit for k in ("received", "overflowed", "blocked")] == ["calls"] * 3
