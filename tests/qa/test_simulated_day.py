"""A simulated day through the API: each QA KPI equals a hand count over the records sent."""

from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.kpi.aggregation import drain
from app.simulate.model import QueueSpec, Simulation
from tests.factories import post
from tests.qa.helpers import metrics

SHANGHAI = ZoneInfo("Asia/Shanghai")
PATHS = ("/v1/agent-events", "/v1/calls", "/v1/tickets", "/v1/qa-evaluations")


def test_a_simulated_days_qa_kpis_match_a_hand_count(client, database, settings, tenant):
    day = datetime.now(SHANGHAI).date() - timedelta(days=2)
    start = datetime.combine(day, time(), SHANGHAI)
    queue = QueueSpec(tenant.queue, SHANGHAI, 90, 12)
    emits = list(Simulation([queue], start, seed=11, cdr=True).run(start + timedelta(days=1)))
    by_path = defaultdict(list)
    for emit in emits:
        by_path[emit.path].append(emit.record)
    for path in PATHS:
        records = by_path[path]
        for first in range(0, len(records), 1000):
            answer = post(client, path, records[first : first + 1000], tenant).json()
            assert answer["rejected"] == [], answer["rejected"][:3]
    drain(database, settings)

    evaluations = by_path["/v1/qa-evaluations"]
    assert len(evaluations) > 10
    logged_in = {
        r["agent"]
        for r in by_path["/v1/agent-events"]
        if r["state"] != "logged_out" and datetime.fromisoformat(r["at"]).date() == day
    }
    evaluated = {r["agent"] for r in evaluations}
    [row] = metrics(
        client,
        tenant,
        client=tenant.client,
        granularity="day",
        **{"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()},
    )
    n = len(evaluations)
    assert row["qa_evaluated"] == n
    assert row["fatal_accuracy"] == pytest.approx(
        max(0, 1 - sum(r["fatal_errors"] for r in evaluations) / n)
    )
    assert row["non_fatal_accuracy"] == pytest.approx(
        max(0, 1 - sum(r["non_fatal_errors"] for r in evaluations) / n)
    )
    assert row["qa_score"] == pytest.approx(sum(r["score"] for r in evaluations) / n)
    assert row["monitoring_coverage"] == pytest.approx(len(evaluated & logged_in) / len(logged_in))
    on_days = sum(1 for r in evaluations if r["agent"] in logged_in)
    assert row["qa_evaluations_per_agent_day"] == pytest.approx(on_days / len(logged_in))
    handled = sum(  # inbound: the outbound callbacks are not handled contacts
        1 for r in by_path["/v1/calls"] if "answered_at" in r and "callback_of" not in r
    )
    [by_handled] = metrics(
        client,
        tenant,
        client=tenant.client,
        granularity="day",
        qa_basis="handled",
        **{"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()},
    )
    assert by_handled["handled"] == handled
    assert by_handled["fatal_accuracy"] == pytest.approx(
        1 - sum(r["fatal_errors"] for r in evaluations) / handled
    )
