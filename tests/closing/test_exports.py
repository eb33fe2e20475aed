"""Every export of a closed report prints its close and hash and the restatement; of an open
one, that it is open. In both languages."""

import csv
import io

import openpyxl
import pytest

from tests.closing.helpers import WEEK, close
from tests.contracts.helpers import ingest, sla
from tests.contracts.test_sla_exports import pdf_text
from tests.factories import cdr


def text_of(content: bytes, fmt: str) -> str:
    """Return an export's text: CSV cells, every Excel cell, or the PDF's extracted text."""
    if fmt == "csv":
        rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
        return "\n".join("|".join(row) for row in rows)
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content))
        return "\n".join(
            "|".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return pdf_text(content)


def export(http, tenant, fmt: str, lang: str, period: str = WEEK) -> str:
    response = sla(http, tenant.client, tenant.client_key, f".{fmt}", period=period, lang=lang)
    assert response.status_code == 200, response.text
    return text_of(response.content, fmt)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
@pytest.mark.parametrize(
    ("lang", "opened", "closed_words", "restated", "sl"),
    [
        ("en", "open (figures may still change)", "by", "Restatement", "Service level"),
        ("zh", "未关账（数据仍可能变化）", "确认关账", "重述", "服务水平"),
    ],
)
def test_exports_print_the_close_hash_and_the_restatement(
    http, database, settings, tenant, per_workload, fmt, lang, opened, closed_words, restated, sl
):
    assert opened in export(http, tenant, fmt, lang)
    close(http, tenant.client, tenant.client_key, period=WEEK)
    sha256 = close(http, tenant.client, tenant.key, period=WEEK)["closed"]["sha256"]
    text = export(http, tenant, fmt, lang)
    assert opened not in text and closed_words in text
    assert sha256 in text.replace("\n", "")  # the PDF may wrap the hash
    late = cdr("late", tenant.queue, "2026-11-10T10:00:00+08:00", wait=10, agent="a1")
    ingest(http, database, settings, tenant, "/v1/calls", [late])
    text = export(http, tenant, fmt, lang)
    assert restated in text and sha256 in text.replace("\n", "")
    # service level 8/10 closed, 9/11 now: typed numbers in CSV and Excel, words in the PDF
    if fmt == "pdf":
        assert f"{sl} 80.00 % → 81.82 %" in text
    else:
        assert f"{sl}|0.8|{9 / 11}" in text
