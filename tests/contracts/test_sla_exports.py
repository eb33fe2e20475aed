"""The CSV, Excel and PDF exports carry the JSON's numbers, read back by their own readers."""

import csv
import io
import re

import openpyxl
import pypdf
import pytest

from app.contracts.pdf import latin
from app.core.formats import target_text, value_text
from app.tenancy.config import TenancyFile
from app.tenancy.service import apply_tenancy
from tests.contracts.helpers import ingest, report, sla
from tests.factories import cdr


def export(http, tenant, suffix: str):
    response = sla(http, tenant.client, tenant.client_key, suffix, period="2026-11")
    assert response.status_code == 200, response.text
    return response


def test_csv_has_the_json_numbers(http, tenant, per_workload):
    body = report(http, tenant, period="2026-11")
    response = export(http, tenant, ".csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text)))
    fields = {row[0]: row[1] for row in rows if len(row) == 2}
    assert fields["contract"] == per_workload["code"]
    assert fields["amount.line"] == body["amount"]["line"]
    assert float(fields["amount.total"]) == body["amount"]["total"]
    assert float(fields["score"]) == body["score"]
    assert float(fields["coefficient"]) == body["coefficient"]
    header = rows.index(["kpi", "unit", "target_min", "target_max", "actual", "met", "weight",
                         "points", "penalty", "formula"])  # fmt: skip
    for target, row in zip(body["targets"], rows[header + 1 :], strict=False):
        assert row[0] == target["kpi"] and float(row[4]) == target["actual"]
    daily = rows.index(["date", "service_level", "abandon_rate", "asa_s", "csat"])
    assert len(rows) - daily - 1 == 30
    assert rows[daily + 10][:2] == ["2026-11-10", "0.8"]


def test_xlsx_has_the_json_numbers(http, tenant, per_workload):
    body = report(http, tenant, period="2026-11")
    response = export(http, tenant, ".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["SLA", "Daily"]
    values = [list(r) for r in book["SLA"].iter_rows(values_only=True)]
    by_field = {r[0]: r[1] for r in values if r[0]}
    assert by_field["score"] == body["score"] and by_field["coefficient"] == body["coefficient"]
    for term in ("quantity", "unit_price", "bonus", "penalty", "total", "line"):
        assert by_field[f"amount.{term}"] == body["amount"][term]
    header = next(i for i, r in enumerate(values) if r[0] == "kpi")
    for target, row in zip(body["targets"], values[header + 1 :], strict=False):
        assert row[:4] == [
            target["kpi"],
            target["unit"],
            target["target"]["min"],
            target["target"]["max"],
        ]
        # Excel keeps 15 significant digits: 13.333333333333334 reads back as 13.33333333333333
        assert row[4] == pytest.approx(target["actual"], rel=1e-14) and row[5] == target["met"]
        assert row[6:9] == [target["weight"], target["points"], target["penalty"]]
    daily = [list(r) for r in book["Daily"].iter_rows(values_only=True)]
    assert daily[0] == ["date", "service_level", "abandon_rate", "asa_s", "csat"]
    assert len(daily) == 31
    assert daily[10] == [
        "2026-11-10",
        *(pytest.approx(body["daily"][9][k], rel=1e-14) for k in daily[0][1:]),
    ]


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_has_the_table_invoice_formula_and_a_chart(
    http, database, settings, tenant, per_workload
):
    # Two more days with calls, so the daily line has segments.
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
    assert f"Contract {per_workload['code']}, vendor {tenant.vendor}" in text
    assert "A_T / offered (abandoned_negative), T = 20 s" in text
    # SL 9/12 and abandon 1/12 miss (60 of 100): score 40 → 0.90; penalty 50 + 150 + 0 = 200
    assert "11 handled × ¥45.00 × 0.90 + ¥0 - ¥200.00 = ¥245.50" in text
    assert latin(body["amount"]["line"]) in text
    assert f"Score {body['score']:.2f}" in text and "KPI coefficient 0.90" in text
    for target in body["targets"]:
        assert latin(value_text(target["actual"], target["unit"])) in text
        assert latin(target_text(target["target"], target["unit"])) in text.replace("&gt;", ">")
    assert "Daily service_level against its target" in text
    page = pypdf.PdfReader(io.BytesIO(response.content)).pages[0]
    drawing = page.get_contents().get_data().decode("latin-1")  # type: ignore[union-attr]
    lines = re.findall(r"[0-9.]+ [0-9.]+ l\b", drawing)
    assert len(lines) >= 3  # the target line and the daily line's two segments


def test_a_chinese_client_name_stays_in_json_and_excel_and_becomes_the_code_in_pdf(
    http, database, tenant, per_workload
):
    spec = TenancyFile.model_validate(
        {"clients": [{"code": tenant.client, "name": "招商银行", "timezone": "Asia/Shanghai"}]}
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
    assert report(http, tenant, period="2026-11")["client_name"] == "招商银行"
    book = openpyxl.load_workbook(io.BytesIO(export(http, tenant, ".xlsx").content))
    assert ["client_name", "招商银行"] in [
        list(r[:2]) for r in book["SLA"].iter_rows(values_only=True)
    ]
    text = pdf_text(export(http, tenant, ".pdf").content)
    assert f"SLA report - {tenant.client} ({tenant.client})" in text


def test_latin_spells_what_the_core_font_lacks():
    assert latin("¥1 − €2 ≥ 3 × 4") == "¥1 - EUR 2 >= 3 × 4"
    assert latin("银行") == "??"
