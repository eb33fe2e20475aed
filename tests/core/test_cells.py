"""Export cells: text a spreadsheet would run is inert, numbers stay numbers (OWASP)."""

import csv
import io
import math
from datetime import date, timedelta

import openpyxl
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from app.core.cells import FORMULA_STARTS, Cell, csv_bytes, csv_value, inert, xlsx_append

AGENT_CODES = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1+1", "-2+3", "\t=1", "\r=1"]


@given(st.text())
def test_text_is_kept_or_prefixed_and_never_starts_a_formula(text):
    rendered = csv_value(text)
    assert rendered in (text, "'" + text)
    assert not rendered.startswith(FORMULA_STARTS)
    assert (rendered != text) == text.startswith(FORMULA_STARTS)


@given(st.integers() | st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_stay_numbers_negative_ones_too(number):
    rendered = csv_value(number)
    assert type(number)(rendered) == number and not rendered.startswith("'")
    assert math.copysign(1, float(rendered)) == math.copysign(1, number)


def test_agent_codes_are_inert_in_csv():
    rows = list(csv.reader(io.StringIO(csv_bytes([AGENT_CODES, [-5, -0.25]]).decode("utf-8-sig"))))
    assert rows[0] == ["'" + code for code in AGENT_CODES]
    assert rows[1] == ["-5", "-0.25"]
    assert csv_bytes([["a"]]).startswith(b"\xef\xbb\xbf")
    assert csv_value(True) == "yes" and csv_value(None) == "" and inert("plain") == "plain"


def test_agent_codes_are_text_in_excel_and_numbers_are_typed():
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    xlsx_append(sheet, AGENT_CODES)
    xlsx_append(
        sheet,
        [
            -5,
            Cell(-0.25, "ratio"),
            Cell(75.5, "duration"),
            Cell(date(2026, 11, 30), "date"),
            Cell(-12.5, "money", "CNY"),
            Cell(3, "money", "JPY"),
        ],
    )
    out = io.BytesIO()
    book.save(out)
    assert b"<f>" not in out.getvalue()
    read = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert read is not None
    codes, numbers = list(read.iter_rows())
    # XML reads a stored CR as LF; the cell is text either way
    assert [c.value for c in codes] == [code.replace("\r", "\n") for code in AGENT_CODES]
    assert all(c.data_type == "s" and c.quotePrefix for c in codes)
    assert [(c.data_type, c.number_format) for c in numbers[:2]] == [
        ("n", "General"),
        ("n", "0.00%"),
    ]
    assert numbers[0].value == -5 and numbers[1].value == -0.25
    assert numbers[2].value == timedelta(seconds=75.5) and numbers[2].number_format == "[mm]:ss"
    assert numbers[3].number_format == "yyyy-mm-dd" and numbers[3].value.date() == date(
        2026, 11, 30
    )
    assert numbers[4].value == -12.5 and numbers[4].number_format.startswith('"¥"#,##0.00')
    assert numbers[5].number_format == '#,##0.00 "JPY"'
