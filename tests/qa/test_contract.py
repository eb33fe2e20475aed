"""QA targets in a contract: scored end to end, on /sla and in its exports in both languages."""

import csv
import io

import openpyxl
import pytest
from pydantic import ValidationError

from app.contracts.config import ContractSpec
from dashboards.sla.components import compliance_table
from tests.contracts.helpers import apply, billing, contract_entry, ingest, report, sla
from tests.dashboards.tree import cells
from tests.disputes.helpers import act, open_dispute
from tests.factories import cdr
from tests.qa.helpers import PATH, evaluation, logged_in

TARGETS = {
    "service_level": {"min": 0.8, "weight": 70},
    "fatal_accuracy": {"min": 0.95, "weight": 10},
    "non_fatal_accuracy": {"min": 0.9, "weight": 10, "qa_basis": "handled"},
    "qa_evaluations_per_agent_day": {"min": 1, "weight": 10},
}


@pytest.fixture
def qa_contract(client, database, settings, tenant):
    """Ten calls of a1 on 10 November, all answered in 10 s; a1 and a2 logged in that day;
    three of a1's calls evaluated: one fatal error, one non-fatal error."""
    entry = contract_entry(tenant, targets=TARGETS, billing=billing("per_workload", 45))
    apply(database, entry)
    at = "2026-11-10T09:{:02d}:00+08:00"
    calls = [cdr(f"w{i}", tenant.queue, at.format(i), wait=10, agent="a1") for i in range(10)]
    ingest(client, database, settings, tenant, "/v1/calls", calls)
    logged_in(client, tenant, "a1", "2026-11-10", (9, 11))
    logged_in(client, tenant, "a2", "2026-11-10", (9, 11))
    q, evaluated = tenant.queue, "2026-11-10T15:00:00+08:00"
    records = [
        evaluation("e1", q, call_id="w0", non_fatal=1, at=evaluated),
        evaluation("e2", q, call_id="w1", at=evaluated),
        evaluation("e3", q, call_id="w2", fatal=1, at=evaluated),
    ]
    ingest(client, database, settings, tenant, PATH, records)
    return entry


def test_qa_targets_score_by_hand(client, tenant, qa_contract):
    body = report(client, tenant, period="2026-11")
    targets = {t["kpi"]: t for t in body["targets"]}
    fatal = targets["fatal_accuracy"]
    assert fatal["actual"] == pytest.approx(1 - 1 / 3) and fatal["met"] is False
    assert fatal["qa_basis"] == "evaluated"
    # per handled call: 1 − 1 / 10 = 0.9 (per evaluated contact it would be 0.67, missed)
    non_fatal = targets["non_fatal_accuracy"]
    assert non_fatal["actual"] == pytest.approx(0.9) and non_fatal["met"] is True
    assert non_fatal["formula"].endswith("/ handled calls (qa_basis: handled), ≥ 0")
    per_day = targets["qa_evaluations_per_agent_day"]
    assert per_day["actual"] == 1.5 and per_day["met"] is True  # 3 evaluations, 2 agent-days
    assert body["score"] == 90.0  # 70 + 10 + 10 of 100
    day = body["daily"][9]
    assert day["date"] == "2026-11-10" and day["qa_evaluations_per_agent_day"] == 1.5


def test_the_vendor_reads_the_same_qa_actuals(client, tenant, qa_contract):
    vendor_view = report(client, tenant, key=tenant.key, period="2026-11")
    client_view = report(client, tenant, period="2026-11")
    assert vendor_view["targets"] == client_view["targets"]


def test_exports_name_the_qa_targets_in_both_languages(client, tenant, qa_contract):
    response = sla(client, tenant.client, tenant.client_key, ".csv", period="2026-11")
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    named = {row[-1]: row for row in rows if row and row[-1] in TARGETS}
    assert named["fatal_accuracy"][0] == "Fatal error accuracy"
    assert named["fatal_accuracy"][4] == "missed"
    assert named["qa_evaluations_per_agent_day"][0] == "Evaluations per agent-day"

    xlsx = sla(client, tenant.client, tenant.client_key, ".xlsx", period="2026-11", lang="zh")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    values = [list(r) for r in book["考核报告"].iter_rows(values_only=True)]
    header = next(r for r in values if r[0] == "指标")
    table = values[values.index(header) + 1 :][:4]
    assert [r[0] for r in table] == [
        "服务水平",
        "致命错误准确率",
        "非致命错误准确率",
        "被监听次数（人/天）",
    ]
    assert [r[4] for r in table] == ["达标", "未达标", "达标", "达标"]
    formulas = " ".join(str(cell) for row in values for cell in row if cell)
    assert "非致命错误准确率 = 1 − Σ 非致命错误数 / 处理量" in formulas
    assert "致命错误准确率 = 1 − Σ 致命错误数 / 质检量" in formulas


def test_a_qa_basis_on_another_kpi_is_refused_by_name(tenant):
    entry = contract_entry(
        tenant, targets={"service_level": {"min": 0.8, "weight": 1, "qa_basis": "handled"}}
    )
    with pytest.raises(ValidationError, match=r"service_level\.qa_basis: only fatal_accuracy"):
        ContractSpec.model_validate(entry)


def test_the_sla_page_shows_the_qa_targets_in_both_languages(client, tenant, qa_contract):
    body = report(client, tenant, period="2026-11")
    zh = {row.id: cells(row) for row in compliance_table(body, "zh").children[1].children}
    assert zh["target-fatal_accuracy"][:5] == [
        "致命错误准确率 CallPulse 系统采集",  # the name, and its source: measured here
        "致命错误准确率 = 1 − Σ 致命错误数 / 质检量",
        "≥ 95.00 %",
        "66.67 %",
        "✗ 未达标",
    ]
    assert zh["target-non_fatal_accuracy"][1:5] == [
        "非致命错误准确率 = 1 − Σ 非致命错误数 / 处理量",
        "≥ 90.00 %",
        "90.00 %",
        "✓ 达标",
    ]
    assert zh["target-qa_evaluations_per_agent_day"][:5] == [
        "被监听次数（人/天） CallPulse 系统采集",
        "被监听次数 = 登录人天内的质检次数 / 登录人天",
        "≥ 1.00",
        "1.50",
        "✓ 达标",
    ]
    en = {row.id: cells(row) for row in compliance_table(body, "en").children[1].children}
    assert en["target-fatal_accuracy"][0] == "Fatal error accuracy measured by CallPulse"
    assert en["target-non_fatal_accuracy"][1].endswith("/ handled calls (qa_basis: handled), ≥ 0")


def test_an_agreed_dispute_of_a_call_takes_its_evaluation_out(client, tenant, qa_contract):
    opened = open_dispute(
        client,
        tenant.client,
        tenant.key,
        kpi="fatal_accuracy",
        call_ids=["w2"],
        reason="data_error",
    )
    assert opened.status_code == 201, opened.text
    agreed = act(client, tenant.client, tenant.client_key, opened.json()["id"], "agree")
    assert agreed.status_code == 200, agreed.text
    targets = {t["kpi"]: t for t in report(client, tenant, period="2026-11")["targets"]}
    fatal = targets["fatal_accuracy"]
    assert fatal["actual_measured"] == pytest.approx(1 - 1 / 3)
    assert fatal["actual"] == 1.0 and fatal["met"] is True  # e3 (on w2) taken out
    assert targets["qa_evaluations_per_agent_day"]["actual"] == 1.5  # other targets as measured
