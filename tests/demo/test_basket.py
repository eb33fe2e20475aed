"""The demo's contract acme-2026-a scores the full basket of the standard (issue 14's "done
when"): every target of examples/demo.yaml has a figure on the SLA report of a simulated day,
each equal to a hand computation from the records sent, each marked measured by CallPulse or
submitted by the vendor and confirmed by the client, and the score and amount follow.

The day: the day before yesterday in Shanghai, fed through the API by vendor-a's simulator on
acme-cards and acme-loans, with a smaller vendor-b feed on acme-loans that the contract (vendor
a's) must leave out (`tests/demo/conftest.py`, `tests/demo/feed.py`). The simulator starts at
local midnight with fixed seeds, so every run sees the same traffic whatever the date.
"""

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.contracts.text import source_text
from app.measures.demo import AWAITING, VALUES
from dashboards.sla.components import compliance_table
from tests.demo import by_hand

DEMO_YAML = yaml.safe_load((Path(__file__).parents[2] / "examples" / "demo.yaml").read_text())
CONTRACT = next(c for c in DEMO_YAML["contracts"] if c["code"] == "acme-2026-a")
QUEUES = {q["code"]: q for q in DEMO_YAML["queues"] if q["code"] in CONTRACT["queues"]}
MEASURES = {m["code"] for m in DEMO_YAML["measures"]}
TARGETS = list(CONTRACT["targets"])


@pytest.fixture(scope="module")
def report(demo) -> dict[str, Any]:
    """The contract's SLA report of the day, read by ACME Bank's key over HTTP."""
    response = demo.http.get(
        "/v1/sla/acme",
        params={"period": demo.stretch.day.date().isoformat(), "contract": "acme-2026-a"},
        headers={"Authorization": f"Bearer {demo.keys['acme']}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def targets(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The report's targets by key."""
    return {t["kpi"]: t for t in report["targets"]}


def in_day(records: list[dict], field: str, day: by_hand.Period) -> list[dict]:
    """The records of the contract's queues whose `field` falls in the day."""
    return [r for r in records if r["queue"] in QUEUES and day.holds(by_hand.at(r[field]))]


@pytest.fixture(scope="module")
def by_hands(demo) -> dict[str, float | None]:
    """Every target's figure worked out by hand from the records sent (`by_hand`)."""
    day = by_hand.Period(demo.stretch.day, demo.stretch.end)
    a, b = demo.stretch.sent["vendor-a"], demo.stretch.sent["vendor-b"]
    # Vendor scoping: the contract is vendor-a's, so only vendor-a's records of its queues
    # count — except a forecast, which is of the queue: its actual calls are every vendor's.
    calls = by_hand.inbound_calls(a["/v1/calls"], QUEUES, day)
    c = by_hand.call_figures(calls, QUEUES)
    tickets = in_day(a["/v1/tickets"], "created_at", day)
    evaluations = in_day(a["/v1/qa-evaluations"], "evaluated_at", day)
    segments = by_hand.state_segments(a["/v1/agent-events"])
    agents = by_hand.logged_in_agents(segments, day)
    forecasts = by_hand.quarter_forecasts(a["/v1/forecasts"], day)
    actuals = by_hand.quarter_actuals(a["/v1/calls"] + b["/v1/calls"], QUEUES)
    alerts = [
        alert
        for alert in demo.http.get(
            "/v1/alerts", headers={"Authorization": f"Bearer {demo.keys['acme']}"}
        ).json()["alerts"]
        if alert["queue"] in QUEUES and day.holds(by_hand.at(alert["opened_at"]))
    ]
    now = datetime.now(UTC)
    figures: dict[str, float | None] = {
        # The queues' formulas differ (acme-cards abandoned_negative, T 20 s, S 0; acme-loans
        # ignore_abandoned, T 30 s, S 5 s), so the contract's SL is A_T / offered over both
        # (the SLA page says so: `sl_mixed`), each call's A_T judged by its own queue's T.
        "service_level": c["a_t"] / c["offered"],
        # abandon rate = abandoned (wait ≥ the queue's S) / offered; callback requests in neither
        "abandon_rate": c["abandoned"] / c["offered"],
        # ASA = Σ (answered − offered) of answered calls / answered
        "asa_s": c["wait_answered_s"] / c["answered"],
        # AHT = Σ (talk + hold + ACW) / handled (answered and ended)
        "aht_s": c["handle_s"] / c["handled"],
        # CSAT = Σ csat / surveyed calls
        "csat": c["csat_sum"] / c["surveyed"],
        # e-mails created in the day answered within 4 h / e-mails created in the day
        "ticket_frt_sla.email": by_hand.email_first_response_sla(tickets),
        # Σ (acknowledged, else resolved, else period end − opened) / alerts opened in the day
        "alert_response_s": by_hand.alert_response_s(alerts, day, now),
        # 1 − Σ fatal errors / evaluations (evaluated_at in the day), per evaluated contact
        "fatal_accuracy": by_hand.accuracy(
            sum(e["fatal_errors"] for e in evaluations), len(evaluations)
        ),
        # 1 − Σ non-fatal errors / evaluations
        "non_fatal_accuracy": by_hand.accuracy(
            sum(e["non_fatal_errors"] for e in evaluations), len(evaluations)
        ),
        # evaluations of the agents logged in that day / agent-days logged in (vendor-a's)
        "qa_evaluations_per_agent_day": sum(
            1
            for e in a["/v1/qa-evaluations"]
            if e["agent"] in agents and day.holds(by_hand.at(e["evaluated_at"]))
        )
        / len(agents),
        # seconds in the scheduled state / scheduled seconds (interval arithmetic)
        "schedule_adherence": by_hand.adherence(a["/v1/schedules"], segments, day),
        # valid complaints / (handled calls + tickets resolved), tickets created in the day
        "valid_complaint_rate": by_hand.valid_complaint_rate(tickets, c["handled"]),
        # 1 − Σ|actual − forecast| / Σ actual over the day's quarters with a forecast
        "forecast_accuracy": by_hand.forecast_accuracy(forecasts, actuals),
        # 1 − Σ|forecast required − Erlang C need| / Σ need
        "staffing_forecast_accuracy": by_hand.staffing_accuracy(forecasts, actuals, QUEUES),
        # requests called back within 60 min / requests due
        "callback_timeliness": by_hand.callback_timeliness(
            [r for r in calls if r.get("exit_reason") == "callback"],
            a["/v1/calls"] + b["/v1/calls"],
            QUEUES,
            now,
        ),
        "handled": c["handled"],  # what per_workload bills
    }
    # The measures: the month's values the demo submits (a ratio from numerator/denominator);
    # only confirmed ones score, so attrition, still awaiting ACME Bank, has no figure.
    for code, (_, this_month) in VALUES.items():
        value = this_month if isinstance(this_month, float) else this_month[0] / this_month[1]
        figures[code] = None if code in AWAITING else value
    return figures


def test_the_report_lists_every_target_of_the_contract(report):
    assert [t["kpi"] for t in report["targets"]] == TARGETS
    assert len(TARGETS) == 22 and set(MEASURES) < set(TARGETS)
    assert report["vendor"] == "vendor-a" and report["queues"] == ["acme-cards", "acme-loans"]
    assert report["sl_formula"] == "abandoned_negative"  # the queues' formulas differ
    assert {q: f["name"] for q, f in report["sl_formulas"].items()} == {
        "acme-cards": "abandoned_negative",
        "acme-loans": "ignore_abandoned",
    }


@pytest.mark.parametrize("key", TARGETS)
def test_each_figure_matches_its_hand_computation(report, by_hands, key):
    actual = targets(report)[key]["actual"]
    expected = by_hands[key]
    if expected is None:
        assert actual is None
    else:
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_every_figure_has_data_and_most_are_not_trivial(by_hands):
    # Every KPI the day can score has a figure; none sits at a bound that a broken formula
    # would also give (0 or 1), except the complaint rate, tiny by nature but above 0.
    scored = {k: v for k, v in by_hands.items() if k in TARGETS and k not in MEASURES}
    assert all(v is not None for v in scored.values())
    not_ratios = ("asa_s", "aht_s", "csat", "alert_response_s", "qa_evaluations_per_agent_day")
    ratios = [k for k in scored if k not in not_ratios]
    assert all(0 < scored[k] < 1 for k in ratios), {k: scored[k] for k in ratios}
    assert all(scored[k] > 0 for k in not_ratios)
    assert by_hands["valid_complaint_rate"] < 0.01


def test_each_target_says_who_measured_it(report):
    rows = targets(report)
    for key in TARGETS:
        if key in MEASURES:
            expected = "submitted" if key in AWAITING else "confirmed"
            assert (rows[key]["source"], rows[key]["state"]) == ("submitted", expected), key
            assert rows[key]["measurement_period"] == report["period"]["label"][:7]
        else:
            assert rows[key]["source"] == "measured" and "state" not in rows[key], key
    assert (
        rows["attrition_rate"]["submitted_value"] == 2 / 50
        and rows["attrition_rate"]["met"] is None
    )  # submitted, not confirmed: shown, not scored


@pytest.mark.parametrize(
    ("lang", "measured", "confirmed", "awaiting"),
    [
        ("en", "measured by CallPulse", "confirmed by the client", "awaiting the client's"),
        ("zh", "CallPulse 系统采集", "甲方已确认", "待甲方确认"),
    ],
)
def test_the_sla_page_shows_who_measured_each_target(report, lang, measured, confirmed, awaiting):
    table = compliance_table(report, lang)
    shown = {
        row.id.removeprefix("target-"): row.children[0].children[1].children
        for row in table.children[1].children
    }
    for key in TARGETS:
        text = shown[key.replace(".", "-")]
        assert text == source_text(targets(report)[key], lang)
        if key not in MEASURES:
            assert text == measured, key
        else:
            assert (awaiting if key in AWAITING else confirmed) in text, key


def test_met_flags_score_coefficient_and_amount_follow_by_hand(report, by_hands):
    rows = targets(report)
    met: dict[str, bool | None] = {}
    for key, target in CONTRACT["targets"].items():
        figure = by_hands[key]
        met[key] = None if figure is None else (
            target.get("min", -float("inf")) <= figure <= target.get("max", float("inf"))
        )  # fmt: skip
        assert rows[key]["met"] is met[key], key
    # score = 100 × Σ weight met / Σ weight with data, half-up to 0.01
    weights = {key: Decimal(t["weight"]) for key, t in CONTRACT["targets"].items()}
    with_data = [k for k, m in met.items() if m is not None]
    earned = sum(weights[k] for k in with_data if met[k])
    score = (100 * earned / sum(weights[k] for k in with_data)).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    assert Decimal(str(report["score"])) == score
    billing = CONTRACT["billing"]
    band = max(
        (b for b in billing["bands"] if Decimal(str(b["min_score"])) <= score),
        key=lambda b: b["min_score"],
    )
    assert report["coefficient"] == band["coefficient"]
    # amount = handled × unit price × coefficient + bonus − 500 per missed target
    missed = sum(1 for m in met.values() if m is False)
    amount = (
        Decimal(by_hands["handled"]) * Decimal(str(billing["unit_price"]))
        * Decimal(str(band["coefficient"])) + Decimal(billing["bonus"])
        - missed * Decimal(billing["penalty_per_missed_target"])
    ).quantize(Decimal("0.01"), ROUND_HALF_UP)  # fmt: skip
    assert report["amount"]["quantity"] == by_hands["handled"]
    assert Decimal(str(report["amount"]["total"])) == amount
    assert report["amount"]["penalty"] == missed * billing["penalty_per_missed_target"]
    assert 0 < missed < len(with_data)  # the day meets some targets and misses others


def test_vendor_b_records_would_change_the_figures(demo, report):
    # Proof the scoping matters: with vendor-b's acme-loans calls the day's figures differ.
    day = by_hand.Period(demo.stretch.day, demo.stretch.end)
    both = demo.stretch.sent["vendor-a"]["/v1/calls"] + demo.stretch.sent["vendor-b"]["/v1/calls"]
    pooled = by_hand.call_figures(by_hand.inbound_calls(both, QUEUES, day), QUEUES)
    assert report["amount"]["quantity"] < pooled["handled"]
    assert targets(report)["service_level"]["actual"] != pytest.approx(
        pooled["a_t"] / pooled["offered"]
    )
