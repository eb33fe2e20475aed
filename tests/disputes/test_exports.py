"""The CSV, XLSX and PDF carry both figures and the agreed exclusions, in both languages."""

import csv
import io

import openpyxl
import pytest
from pypdf import PdfReader

from tests.contracts.helpers import sla
from tests.disputes.helpers import act, open_dispute


@pytest.fixture
def agreed(http, tenant, contract) -> int:
    """The abandoned call's minute, disputed by the vendor and agreed by the client."""
    window = {"from": "2026-11-10T09:09:00+08:00", "to": "2026-11-10T09:10:00+08:00"}
    opened = open_dispute(
        http, tenant.client, tenant.key, kpi="all", reason="carrier_outage", **window
    )
    act(http, tenant.client, tenant.client_key, opened.json()["id"], "agree")
    return opened.json()["id"]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("Measured", "After exclusions (scored)", "Amount as measured", "Carrier outage")),
        ("zh", ("实测值", "剔除后（考核值）", "剔除前结算金额", "运营商线路故障")),
    ],
)
def test_csv_and_xlsx_carry_both_figures(http, tenant, agreed, lang, words):
    response = sla(http, tenant.client, tenant.client_key, ".csv", period="2026-11", lang=lang)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = next(i for i, r in enumerate(rows) if r[1:3] == list(words[:2]))
    abandon = rows[header + 2]  # SL, then abandon rate
    assert abandon[1:4] == ["0.1", "0.0", "是" if lang == "zh" else "yes"]
    measured_amount = next(r for r in rows if r and r[0] == words[2])
    assert float(measured_amount[1]) == 255
    exclusion = next(r for r in rows if r and r[0] == str(agreed))
    assert exclusion[2:4] == ["2026-11-10T09:09:00", "2026-11-10T09:10:00"]
    assert exclusion[5:7] == ["1", words[3]]
    book = openpyxl.load_workbook(
        io.BytesIO(
            sla(
                http, tenant.client, tenant.client_key, ".xlsx", period="2026-11", lang=lang
            ).content
        )
    )
    values = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    assert any(r[0] == words[2] and r[1] == 255 for r in values)
    assert any(r[0] == agreed and r[6] == words[3] for r in values)


@pytest.mark.parametrize(
    ("lang", "word"), [("en", "Agreed exclusions"), ("zh", "双方确认的剔除项")]
)
def test_pdf_prints_both_figures_and_the_exclusion(http, tenant, agreed, lang, word):
    response = sla(http, tenant.client, tenant.client_key, ".pdf", period="2026-11", lang=lang)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert word in text and f"#{agreed}" in text
    assert "¥255.00" in text and "¥425.25" in text
