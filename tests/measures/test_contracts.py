"""A contract target on a measure: declared, submitted (○ no data), confirmed (scores)."""

import pytest

from app.core.errors import ConfigError
from tests.contracts.helpers import DESIGN_CONTRACT, apply, contract_entry, report
from tests.disputes.helpers import design_contract
from tests.measures.helpers import decide, submit


def _with_measures(tenant, measures) -> dict:
    """DESIGN §10's contract (SL, abandon, ASA, CSAT: 80 of 100 met) plus attrition ≤ 0.20
    (weight 20) and employee satisfaction ≥ 85 (weight 10)."""
    targets = DESIGN_CONTRACT["targets"] | {
        measures["attrition"]: {"max": 0.2, "weight": 20},
        measures["satisfaction"]: {"min": 85, "weight": 10},
    }
    return contract_entry(tenant, **(DESIGN_CONTRACT | {"targets": targets}))


def test_only_confirmed_values_score(http, database, settings, tenant, measures):
    entry = design_contract(http, database, settings, tenant)
    apply(database, _with_measures(tenant, measures) | {"code": entry["code"]})
    attrition, satisfaction = measures["attrition"], measures["satisfaction"]

    before = report(http, tenant, period="2026-11")
    rows = {t["kpi"]: t for t in before["targets"]}
    assert rows["service_level"]["source"] == "measured"
    assert (rows[attrition]["source"], rows[attrition]["state"]) == ("submitted", None)
    assert rows[attrition]["met"] is None and rows[attrition]["name"]["zh"] == "人员流失率"
    assert before["score"] == 80  # 80 of the 100 weight with data

    base = {"client": tenant.client, "period": "2026-11"}
    month = submit(http, tenant.key, base | {"measure": attrition, "value": 0.25}).json()
    sat = submit(http, tenant.key, base | {"measure": satisfaction, "value": 90}).json()
    waiting = {t["kpi"]: t for t in report(http, tenant, period="2026-11")["targets"]}
    assert (waiting[attrition]["state"], waiting[attrition]["submitted_value"]) == (
        "submitted",
        0.25,
    )
    assert waiting[attrition]["actual"] is None and waiting[attrition]["met"] is None  # ○

    decide(http, tenant.client_key, month["accepted"][0]["id"], "confirm")
    decide(http, tenant.client_key, sat["accepted"][0]["id"], "dispute", reason="3 answers")
    scored = report(http, tenant, period="2026-11")
    rows = {t["kpi"]: t for t in scored["targets"]}
    assert (rows[attrition]["actual"], rows[attrition]["met"]) == (0.25, False)
    assert (rows[satisfaction]["state"], rows[satisfaction]["met"]) == ("disputed", None)
    # SL 40 + ASA 20 + CSAT 20 met of 120 with data (attrition missed): 80/120
    assert scored["score"] == pytest.approx(66.67)
    # a missed measure is penalised like any target: ¥50 per missed target
    assert rows[attrition]["penalty"] == 50

    # a week inside the month reads the month's value; a day submitted beats it
    week = {t["kpi"]: t for t in report(http, tenant, period="2026-W46")["targets"]}
    assert (week[attrition]["actual"], week[attrition]["measurement_period"]) == (0.25, "2026-11")
    day = submit(
        http, tenant.key, base | {"measure": attrition, "period": "2026-11-10", "value": 0.1}
    )
    decide(http, tenant.client_key, day.json()["accepted"][0]["id"], "confirm")
    on_day = {t["kpi"]: t for t in report(http, tenant, period="2026-11-10")["targets"]}
    assert (on_day[attrition]["actual"], on_day[attrition]["met"]) == (0.1, True)
    # a month report when only another month was submitted: no data
    october = {t["kpi"]: t for t in report(http, tenant, period="2026-10")["targets"]}
    assert october[attrition]["state"] is None


def test_apply_names_undeclared_measures_and_percentages(database, tenant, measures):
    entry = contract_entry(tenant, targets={"attrition_nowhere": {"max": 0.2, "weight": 5}})
    with pytest.raises(
        ConfigError, match=r"targets: unknown KPI 'attrition_nowhere'.*declare it under measures"
    ):
        apply(database, entry)
    percent = contract_entry(tenant, targets={measures["attrition"]: {"max": 20, "weight": 5}})
    with pytest.raises(ConfigError, match=r"max 20 is not a fraction 0–1"):
        apply(database, percent)
    fine = contract_entry(tenant, targets={measures["satisfaction"]: {"min": 85, "weight": 5}})
    assert apply(database, fine)["contracts created"] == 1
    assert apply(database, fine).get("contracts updated") is None  # idempotent
