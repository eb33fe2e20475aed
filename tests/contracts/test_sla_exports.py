"""The CSV, Excel and PDF exports carry the JSON's numbers, read back by their own readers.

Fit for a month-end review: inert text, typed cells, the as-of time and partial period, the
contract and formula versions, KPI names in the chosen language, a chart per target.
"""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest

from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.formats import target_text, value_text
from app.kpi.definitions import definitions_version
from app.kpi.names import kpi_name
from tests.contracts.helpers import DESIGN_CONTRACT, apply, contract_entry, ingest, report, sla
from tests.factories import cdr

SHANGHAI = ZoneInfo("Asia/Shanghai")
BOM = b"\xef\xbb\xbf"
INJECTED = ['=HYPERLINK("http://x","y")', "@SUM(1)"]


def export(http, tenant, suffix: str, **params: str):
    response = sla(
        http, tenant.client, tenant.client_key, suffix, **({"period": "2026-11"} | params)
    )
    assert response.status_code == 200, response.text
    return response


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def sheet_rows(book, name: str) -> list[list]:
    return [list(r) for r in book[name].iter_rows(values_only=True)]


def test_csv_has_the_json_numbers_in_utf8_with_a_bom(http, tenant, per_workload):
    body = report(http, tenant, period="2026-11")
    response = export(http, tenant, ".csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response.content)
    fields = {row[0]: row[1] for row in rows if len(row) == 2}
    assert fields["Contract"] == per_workload["code"]
    assert fields["Invoice line"] == body["amount"]["line"]
    assert float(fields["Amount"]) == body["amount"]["total"]
    assert float(fields["Score"]) == body["score"]
    assert float(fields["KPI coefficient"]) == body["coefficient"]
    header = rows.index(["KPI", "Target min", "Target max", "Actual", "Met", "Weight", "Points",
                         "Penalty", "Source", "Formula in force", "Code"])  # fmt: skip
    for target, row in zip(body["targets"], rows[header + 1 :], strict=False):
        assert row[0] == kpi_name(target["kpi"], "en") and row[-1] == target["kpi"]
        assert float(row[3]) == target["actual"]
        assert row[4] == {True: "met", False: "missed", None: "no data"}[target["met"]]
    daily = rows.index(["Date", "Service level", "Abandon rate", "ASA", "CSAT"])
    assert len(rows) - daily - 1 == 30
    assert rows[daily + 10][:2] == ["2026-11-10", "0.8"]


def test_every_export_says_when_it_was_read_and_which_contract_and_formulas(http, database, tenant):
    """As of (client's timezone), partial period, contract update and formula versions."""
    entry = contract_entry(tenant, valid_to="2099-12-31", **DESIGN_CONTRACT)
    apply(database, entry)
    this_month = datetime.now(SHANGHAI).strftime("%Y-%m")
    before = datetime.now(SHANGHAI).replace(microsecond=0, tzinfo=None)
    body = report(http, tenant, period=this_month)
    assert body["partial"] is True and body["as_of"].endswith("+08:00")
    assert body["kpi_definitions"] == definitions_version()
    assert report(http, tenant, period="2026-01")["partial"] is False
    updated = datetime.fromisoformat(body["contract_updated_at"])
    assert updated.utcoffset() == timedelta(hours=8)

    rows = csv_rows(export(http, tenant, ".csv", period=this_month).content)
    fields = {row[0]: row[1] for row in rows if len(row) == 2}
    as_of = datetime.fromisoformat(fields["As of (Asia/Shanghai)"])
    assert before <= as_of <= datetime.now(SHANGHAI).replace(tzinfo=None)
    assert fields["Partial period"].startswith("yes")
    assert fields["Contract last updated (Asia/Shanghai)"] == body["contract_updated_at"][:19]
    assert fields["KPI definitions version"] == definitions_version()
    sl_key = f"Service level in force: {tenant.queue}"
    assert fields[sl_key] == "A_T / offered (abandoned_negative), T = 20 s"

    book = openpyxl.load_workbook(
        io.BytesIO(export(http, tenant, ".xlsx", period="2026-01").content)
    )
    facts = {r[0]: r[1] for r in sheet_rows(book, "SLA") if r[0]}
    assert facts["Partial period"].startswith("no")
    assert isinstance(facts["As of (Asia/Shanghai)"], datetime)
    assert facts["KPI definitions version"] == definitions_version()

    text = pdf_text(export(http, tenant, ".pdf", period=this_month, lang="zh").content)
    assert f"数据截至: {body['as_of'][:10]}" in text
    assert "周期未结束: 是" in text and f"指标定义版本: {definitions_version()}" in text


def test_xlsx_cells_are_typed_and_formatted(http, tenant, per_workload):
    body = report(http, tenant, period="2026-11")
    book = openpyxl.load_workbook(io.BytesIO(export(http, tenant, ".xlsx").content))
    assert book.sheetnames == ["SLA", "Daily"]
    sheet = book["SLA"]
    values = sheet_rows(book, "SLA")
    header = next(i for i, r in enumerate(values) if r[0] == "KPI")
    cells: dict = {}  # the first row of each name: the exclusions block repeats KPI names
    for row in sheet.iter_rows(min_row=header + 2):
        if row[0].value:
            cells.setdefault(row[0].value, row)
    sl = cells["Service level"]
    assert sl[3].value == pytest.approx(0.8) and sl[3].number_format == "0.00%"
    assert sl[1].value == 0.8 and sl[1].number_format == "0.00%"
    asa = cells["ASA"]
    # an Excel time: a fraction of a day, read back to the millisecond
    assert asa[3].value.total_seconds() == pytest.approx(120 / 9, abs=1e-3)
    assert asa[3].number_format == "[mm]:ss"
    assert asa[2].value == timedelta(seconds=20)
    assert cells["CSAT"][3].value == pytest.approx(90) and cells["CSAT"][3].number_format == "0.00"
    abandon = cells["Abandon rate"]
    assert abandon[4].value == "missed" and abandon[7].value == 150
    assert abandon[7].number_format.startswith('"¥"#,##0.00')
    assert cells["Amount"][1].value == body["amount"]["total"]
    assert cells["Amount"][1].number_format.startswith('"¥"#,##0.00')
    assert cells["Score"][1].value == body["score"] and cells["Score"][1].number_format == "0.00"
    assert cells["KPI coefficient"][1].number_format == "0.00" and cells["Quantity"][1].value == 9
    for term in ("quantity", "unit_price", "bonus", "penalty", "total", "line"):
        assert body["amount"][term] in [r[1] for r in values]
    days = book["Daily"]
    assert [c.value for c in days[1]] == ["Date", "Service level", "Abandon rate", "ASA", "CSAT"]
    assert days.max_row == 31
    tenth = days[11]
    assert tenth[0].value == datetime(2026, 11, 10) and tenth[0].number_format == "yyyy-mm-dd"
    assert tenth[1].value == pytest.approx(body["daily"][9]["service_level"], rel=1e-14)
    assert tenth[3].value.total_seconds() == pytest.approx(body["daily"][9]["asa_s"], abs=1e-3)


def test_xlsx_and_pdf_speak_chinese_with_kpi_names(http, tenant, per_workload):
    book = openpyxl.load_workbook(io.BytesIO(export(http, tenant, ".xlsx", lang="zh").content))
    assert book.sheetnames == ["考核报告", "每日数据"]
    values = sheet_rows(book, "考核报告")
    header = next(r for r in values if r[0] == "指标")
    assert header[:5] == ["指标", "目标下限", "目标上限", "实际值", "达标"]
    names = [r[0] for r in values[values.index(header) + 1 :][:4]]
    assert names == ["服务水平", "放弃率", "平均应答速度", "满意度"]
    verdicts = [r[4] for r in values[values.index(header) + 1 :][:4]]
    assert verdicts == ["达标", "未达标", "达标", "达标"]
    assert sheet_rows(book, "每日数据")[0] == [
        "日期",
        "服务水平",
        "放弃率",
        "平均应答速度",
        "满意度",
    ]

    text = pdf_text(export(http, tenant, ".pdf", lang="zh").content)
    for words in ("服务水平考核报告", "考核达标情况", "放弃率", "未达标", "考核系数", "结算金额"):
        assert words in text, words
    assert "9 通 × ¥45.00 × 1.00 + ¥0 − ¥150.00 = ¥255.00" in text
    assert "服务水平：每日值对照目标" in text and "满意度：每日值对照目标" in text


def test_pdf_has_the_table_invoice_formula_and_a_chart_per_target(
    http, database, settings, tenant, per_workload
):
    # Two more days with calls, so the daily lines have segments.
    more = [
        cdr("d11", tenant.queue, "2026-11-11T09:00:00+08:00", wait=5, agent="a1"),
        cdr("d12", tenant.queue, "2026-11-12T09:00:00+08:00", wait=50, agent="a1"),
    ]
    ingest(http, database, settings, tenant, "/v1/calls", more)
    body = report(http, tenant, period="2026-11")
    response = export(http, tenant, ".pdf")
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert f"Contract: {per_workload['code']} (2026-01-01 – 2026-12-31)" in text
    assert f"Vendor: {tenant.vendor}" in text
    assert "A_T / offered (abandoned_negative), T = 20 s" in text
    # SL 9/12 and abandon 1/12 miss (60 of 100): score 40 → 0.90; penalty 50 + 150 + 0 = 200
    assert "11 handled × ¥45.00 × 0.90 + ¥0 − ¥200.00 = ¥245.50" in text
    assert body["amount"]["line"] in text
    assert "Score 100 × 40 / 100 = 40.00" in text and "KPI coefficient 0.90" in text
    for target in body["targets"]:
        assert value_text(target["actual"], target["unit"]) in text
        assert target_text(target["target"], target["unit"]) in text
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    charts = "\n".join(page.extract_text() for page in reader.pages[1:])
    drawing = "".join(
        page.get_contents().get_data().decode("latin-1")  # type: ignore[union-attr]
        for page in reader.pages[1:]
    )
    for target in body["targets"]:
        assert f"{kpi_name(target['kpi'], 'en')}: daily value against its target" in charts
    assert len(re.findall(r" re\b", drawing)) == len(body["targets"])  # one frame per chart
    # a bound per target, and two segments (10–12 November) for each but CSAT (one survey day)
    assert len(re.findall(r"[0-9.]+ [0-9.]+ l\b", drawing)) == 4 + 3 * 2


@pytest.mark.parametrize("name", INJECTED)
def test_text_that_is_a_formula_is_inert_in_csv_and_text_in_excel(
    http, database, tenant, per_workload, name
):
    spec = TenancyFile.model_validate(
        {"clients": [{"code": tenant.client, "name": name, "timezone": "Asia/Shanghai"}]}
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
    rows = csv_rows(export(http, tenant, ".csv").content)
    fields = {row[0]: row[1] for row in rows if len(row) == 2}
    assert fields["Client"] == f"'{name} ({tenant.client})"
    content = export(http, tenant, ".xlsx").content
    book = openpyxl.load_workbook(io.BytesIO(content))
    client_cell = next(r[1] for r in book["SLA"].iter_rows() if r[0].value == "Client")
    assert client_cell.value == f"{name} ({tenant.client})"
    assert client_cell.data_type == "s" and client_cell.quotePrefix
    assert b"<f>" not in content  # no formula anywhere in the workbook


def test_a_chinese_client_name_stays_chinese_in_json_excel_and_pdf(
    http, database, tenant, per_workload
):
    spec = TenancyFile.model_validate(
        {"clients": [{"code": tenant.client, "name": "招商银行", "timezone": "Asia/Shanghai"}]}
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
    assert report(http, tenant, period="2026-11")["client_name"] == "招商银行"
    book = openpyxl.load_workbook(io.BytesIO(export(http, tenant, ".xlsx").content))
    assert ["Client", f"招商银行 ({tenant.client})"] in [
        list(r[:2]) for r in book["SLA"].iter_rows(values_only=True)
    ]
    text = pdf_text(export(http, tenant, ".pdf").content)
    assert f"SLA report · 招商银行 ({tenant.client})" in text


def test_an_unknown_language_is_refused_by_name(http, tenant, per_workload):
    response = sla(http, tenant.client, tenant.client_key, ".pdf", period="2026-11", lang="fr")
    assert response.status_code == 422 and "lang" in response.text


def test_the_as_of_time_is_the_clients_wall_time(http, tenant, per_workload):
    """The as-of time is the client's wall time (+08:00), whatever the server's zone."""
    body = report(http, tenant, period="2026-11")
    as_of = datetime.fromisoformat(body["as_of"])
    assert abs(as_of - datetime.now(UTC)) < timedelta(minutes=1)
    assert as_of.utcoffset() == timedelta(hours=8)
