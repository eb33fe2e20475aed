"""QA KPIs: each formula by hand, from its function and through `/v1/metrics`."""

import pytest

from app.kpi.aggregation import drain
from app.kpi.definitions import (
    KPIS,
    evaluate,
    fatal_accuracy,
    monitoring_coverage,
    non_fatal_accuracy,
    qa_evaluations_per_agent_day,
    qa_score,
)
from app.kpi.names import FORMULAS_ZH, kpi_name
from app.kpi.sources import NO_DATA
from tests.factories import post
from tests.qa.helpers import PATH, evaluation, handled_calls, logged_in, metrics

QA = ("qa_evaluated", "fatal_accuracy", "non_fatal_accuracy", "qa_score")
QA_DAYS = ("monitoring_coverage", "qa_evaluations_per_agent_day")


def parts(**values: float) -> dict[str, float]:
    return NO_DATA | values


def test_accuracy_is_one_minus_errors_per_evaluated_contact():
    c = parts(qa_evaluated=4, qa_fatal_errors=1, qa_non_fatal_errors=2, handled=20)
    assert fatal_accuracy(c) == pytest.approx(1 - 1 / 4)
    assert non_fatal_accuracy(c) == pytest.approx(1 - 2 / 4)
    # the trade's other wording: per handled call
    assert fatal_accuracy(c, "handled") == pytest.approx(1 - 1 / 20)
    assert non_fatal_accuracy(c, "handled") == pytest.approx(1 - 2 / 20)


def test_accuracy_is_floored_at_zero_and_none_without_contacts():
    assert fatal_accuracy(parts(qa_evaluated=2, qa_fatal_errors=5)) == 0.0
    assert fatal_accuracy(parts()) is None
    assert non_fatal_accuracy(parts(handled=0), "handled") is None
    with pytest.raises(ValueError, match="qa_basis"):
        fatal_accuracy(parts(qa_evaluated=1), "calls")


def test_score_coverage_and_evaluations_per_agent_day():
    assert qa_score(parts(qa_evaluated=3, qa_score_sum=70 + 90 + 100)) == pytest.approx(260 / 3)
    days = parts(agent_days_logged_in=4, agent_days_evaluated=2, qa_evaluations_on_days=3)
    assert monitoring_coverage(days) == 0.5
    assert qa_evaluations_per_agent_day(days) == 0.75
    assert monitoring_coverage(parts()) is None


def test_evaluate_applies_the_basis_and_counts_evaluations_as_integers():
    c = parts(qa_evaluated=4, qa_fatal_errors=1, handled=10)
    assert evaluate(("qa_evaluated", "fatal_accuracy"), c, "abandoned_negative") == {
        "qa_evaluated": 4,
        "fatal_accuracy": 0.75,
    }
    assert evaluate(("fatal_accuracy",), c, "abandoned_negative", "handled") == {
        "fatal_accuracy": 0.9
    }


def test_each_qa_kpi_is_named_in_both_languages_with_its_formula():
    assert kpi_name("fatal_accuracy", "zh") == "致命错误准确率"
    assert kpi_name("non_fatal_accuracy", "zh") == "非致命错误准确率"
    assert kpi_name("monitoring_coverage", "zh") == "被监听覆盖率"
    assert kpi_name("qa_score", "en") == "QA score"
    for name in (*QA, *QA_DAYS):
        assert kpi_name(name, "en") != name and kpi_name(name, "zh") != kpi_name(name, "en")
    for name in (*QA[1:], *QA_DAYS):
        assert name in FORMULAS_ZH
        assert "=" in KPIS[name].formula
    assert KPIS["fatal_accuracy"].formula.startswith(
        "fatal accuracy (致命错误准确率) = 1 − Σ fatal errors / evaluated contacts"
    )


@pytest.fixture
def qa_days(client, tenant, database, settings):
    """Three agents logged in on 20 Nov (a1 also on 21 Nov); five handled calls on 20 Nov,
    three of them evaluated: a1 twice (1 fatal, 2 + 1 non-fatal), a2 once, a3 never."""
    for agent, day in (("a1", "2026-11-20"), ("a2", "2026-11-20"), ("a3", "2026-11-20")):
        logged_in(client, tenant, agent, day, (9, 10))
    logged_in(client, tenant, "a1", "2026-11-21", (9, 10))
    handled_calls(client, tenant, tenant.queue, ["c1", "c2", "c3"], agent="a1")
    handled_calls(client, tenant, tenant.queue, ["c4", "c5"], agent="a2")
    q = tenant.queue
    records = [
        evaluation("e1", q, call_id="c1", agent="a1", fatal=1, non_fatal=2, score=70),
        evaluation("e2", q, call_id="c2", agent="a1", non_fatal=1, score=90),
        evaluation("e3", q, call_id="c4", agent="a2", score=100),
    ]
    assert post(client, PATH, records, tenant).json()["accepted"] == 3
    drain(database, settings)


def by_day(client, tenant, **params):
    rows = metrics(
        client,
        tenant,
        client=tenant.client,
        granularity="day",
        **{"from": "2026-11-20", "to": "2026-11-22"},
        **params,
    )
    return rows


def test_client_day_kpis_match_hand_computation(client, tenant, qa_days):
    first, second = by_day(client, tenant)
    assert first["qa_evaluated"] == 3
    assert first["fatal_accuracy"] == pytest.approx(1 - 1 / 3)
    assert first["non_fatal_accuracy"] == 0.0  # 3 non-fatal errors on 3 evaluated contacts
    assert first["qa_score"] == pytest.approx((70 + 90 + 100) / 3)
    assert first["monitoring_coverage"] == pytest.approx(2 / 3)  # a1 and a2 of three agents
    assert first["qa_evaluations_per_agent_day"] == 1.0  # 3 evaluations, 3 agent-days
    assert second["qa_evaluated"] == 0 and second["fatal_accuracy"] is None
    assert second["monitoring_coverage"] == 0.0  # a1 logged in, not evaluated
    assert second["qa_evaluations_per_agent_day"] == 0.0


def test_coverage_over_the_range_counts_agent_days(client, tenant, qa_days):
    (whole,) = metrics(
        client,
        tenant,
        client=tenant.client,
        granularity="month",
        **{"from": "2026-11-20", "to": "2026-11-22"},
    )
    assert whole["monitoring_coverage"] == 0.5  # 2 of 4 agent-days
    assert whole["qa_evaluations_per_agent_day"] == 0.75  # 3 evaluations over 4 agent-days


def test_handled_basis_divides_by_every_handled_call(client, tenant, qa_days):
    first, _ = by_day(client, tenant, qa_basis="handled")
    assert first["handled"] == 5
    assert first["fatal_accuracy"] == pytest.approx(1 - 1 / 5)
    assert first["non_fatal_accuracy"] == pytest.approx(1 - 3 / 5)


def test_by_agent(client, tenant, qa_days):
    rows = {r["agent"]: r for r in by_day(client, tenant, by="agent") if r["start"] < "2026-11-21"}
    a1, a2, a3 = rows["a1"], rows["a2"], rows["a3"]
    assert (a1["qa_evaluated"], a1["fatal_accuracy"], a1["qa_score"]) == (2, 0.5, 80.0)
    assert a1["non_fatal_accuracy"] == 0.0  # 3 errors on 2 contacts: floored
    assert (a1["monitoring_coverage"], a1["qa_evaluations_per_agent_day"]) == (1.0, 2.0)
    assert (a2["qa_evaluated"], a2["fatal_accuracy"], a2["non_fatal_accuracy"]) == (1, 1.0, 1.0)
    assert (a3["qa_evaluated"], a3["fatal_accuracy"], a3["monitoring_coverage"]) == (0, None, 0.0)


def test_by_queue_and_one_queue_carry_the_evaluations_not_agent_days(client, tenant, qa_days):
    rows = by_day(client, tenant, by="queue")
    ours = [r for r in rows if r["queue"] == tenant.queue]
    assert ours[0]["qa_evaluated"] == 3 and "monitoring_coverage" not in ours[0]
    (one, _) = metrics(
        client,
        tenant,
        queue=tenant.queue,
        granularity="day",
        **{"from": "2026-11-20", "to": "2026-11-22"},
    )
    assert one["fatal_accuracy"] == pytest.approx(1 - 1 / 3)


def test_another_vendor_sees_none_of_these_evaluations(client, tenant, qa_days):
    response = client.get(
        "/v1/metrics",
        params={
            "queue": tenant.shared_queue,
            "granularity": "day",
            "from": "2026-11-20",
            "to": "2026-11-21",
        },
        headers=tenant.auth(tenant.other_key),
    )
    assert response.status_code == 200, response.text
    assert response.json()["series"][0]["qa_evaluated"] == 0


def test_a_bad_basis_is_a_named_400(client, tenant):
    response = client.get(
        "/v1/metrics",
        params={"client": tenant.client, "qa_basis": "calls"},
        headers=tenant.auth(tenant.client_key),
    )
    assert response.status_code == 400
    assert "qa_basis: use evaluated or handled" in response.text
