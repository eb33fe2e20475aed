"""The SLA exports say, per target, whether CallPulse measured it or the vendor submitted it."""

import io

import openpyxl

from dashboards.sla.components import compliance_table, element_id
from tests.contracts.helpers import DESIGN_CONTRACT, apply, contract_entry, report
from tests.contracts.test_sla_exports import csv_rows, export, pdf_text, sheet_rows
from tests.dashboards.tree import cells
from tests.disputes.helpers import design_contract
from tests.measures.helpers import decide, submit


def _contract(http, database, settings, tenant, measures) -> None:
    """DESIGN §10's contract plus attrition ≤ 0.20 (confirmed 0.075) and satisfaction ≥ 85
    (submitted 90, awaiting confirmation)."""
    entry = design_contract(http, database, settings, tenant)
    targets = DESIGN_CONTRACT["targets"] | {
        measures["attrition"]: {"max": 0.2, "weight": 20},
        measures["satisfaction"]: {"min": 85, "weight": 10},
    }
    apply(database, contract_entry(tenant, code=entry["code"], targets=targets,
                                   billing=DESIGN_CONTRACT["billing"]))  # fmt: skip
    base = {"client": tenant.client, "period": "2026-11"}
    sent = submit(http, tenant.key, [
        base | {"measure": measures["attrition"], "numerator": 3, "denominator": 40},
        base | {"measure": measures["satisfaction"], "value": 90},
    ]).json()["accepted"]  # fmt: skip
    assert decide(http, tenant.client_key, sent[0]["id"], "confirm").status_code == 200


def test_csv_names_the_source_of_each_target(http, database, settings, tenant, measures):
    _contract(http, database, settings, tenant, measures)
    rows = csv_rows(export(http, tenant, ".csv").content)
    header = next(i for i, row in enumerate(rows) if row[:1] == ["KPI"] and "Source" in row)
    source = rows[header].index("Source")
    by_code = {row[-1]: row for row in rows[header + 1 : header + 7]}
    assert by_code["service_level"][source] == "measured by CallPulse"
    attrition = by_code[measures["attrition"]]
    assert attrition[0] == "attrition rate"  # as declared
    assert attrition[source] == "submitted by the vendor · confirmed by the client"
    assert float(attrition[3]) == 0.075 and attrition[4] == "met"
    satisfaction = by_code[measures["satisfaction"]]
    assert satisfaction[source] == "submitted by the vendor · awaiting the client's confirmation"
    assert satisfaction[3] == "" and satisfaction[4] == "no data"


def test_xlsx_and_pdf_in_chinese_show_the_source(http, database, settings, tenant, measures):
    _contract(http, database, settings, tenant, measures)
    book = openpyxl.load_workbook(io.BytesIO(export(http, tenant, ".xlsx", lang="zh").content))
    rows = sheet_rows(book, "考核报告")
    header = next(i for i, row in enumerate(rows) if "数据来源" in row)
    source = rows[header].index("数据来源")
    named = {row[0]: row[source] for row in rows[header + 1 : header + 7]}
    assert named["人员流失率"] == "乙方报送 · 甲方已确认"
    assert named["员工满意度"] == "乙方报送 · 待甲方确认"
    assert named["服务水平"] == "CallPulse 系统采集"
    text = pdf_text(export(http, tenant, ".pdf", lang="zh").content)
    assert "人员流失率" in text and "乙方报送" in text and "待甲方确认" in text
    assert "离职人数 / 平均在岗人数" in text  # the measure's own formula, in Chinese
    english = pdf_text(export(http, tenant, ".pdf").content)
    assert "measured by CallPulse" in english and "confirmed by the client" in english


def test_the_scorecard_names_measures_and_exports_them(http, database, settings, tenant, measures):
    _contract(http, database, settings, tenant, measures)
    headers = {"Authorization": f"Bearer {tenant.client_key}"}
    card = http.get(f"/v1/scorecard/{tenant.client}", params={"period": "2026-11"}, headers=headers)
    assert card.status_code == 200, card.text
    [row] = card.json()["rows"]
    assert row["kpis"][measures["attrition"]] == 0.075
    assert card.json()["measures"][measures["attrition"]]["name"]["zh"] == "人员流失率"
    csv_answer = http.get(
        f"/v1/scorecard/{tenant.client}.csv", params={"period": "2026-11"}, headers=headers
    )
    assert csv_answer.status_code == 200, csv_answer.text
    assert any("attrition rate (" in cell for line in csv_rows(csv_answer.content) for cell in line)
    xlsx = http.get(
        f"/v1/scorecard/{tenant.client}.xlsx",
        params={"period": "2026-11", "lang": "zh"},
        headers=headers,
    )
    assert xlsx.status_code == 200, xlsx.text
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    cells = [c for sheet in book for r in sheet.iter_rows(values_only=True) for c in r if c]
    assert any(str(c).startswith("人员流失率") for c in cells)


def test_the_sla_page_table_says_the_source_and_days_leave_measures_out(
    http, database, settings, tenant, measures
):
    _contract(http, database, settings, tenant, measures)
    body = report(http, tenant, period="2026-11")
    table = compliance_table(body, "zh")
    rows = {row.id: cells(row) for row in table.children[1].children}
    attrition = rows[f"target-{element_id(measures['attrition'])}"]
    assert attrition[0] == "人员流失率 乙方报送 · 甲方已确认"
    assert attrition[2:5] == ["≤ 20.00 %", "7.50 %", "✓ 达标"]
    satisfaction = rows[f"target-{element_id(measures['satisfaction'])}"]
    assert satisfaction[0] == "员工满意度 乙方报送 · 待甲方确认" and satisfaction[4] == "○ 无数据"
    assert rows["target-service_level"][0] == "服务水平 CallPulse 系统采集"
    # the daily table and trends: CallPulse's own targets only (a measure has no days)
    rows_csv = csv_rows(export(http, tenant, ".csv").content)
    assert ["Date", "Service level", "Abandon rate", "ASA", "CSAT"] in rows_csv
