"""Each NDJSON or CSV record knows the body line it starts on (what `import` reports)."""

import csv
import io
import json

from hypothesis import given
from hypothesis import strategies as st

from ingest.body import parse_body

cell = st.text(st.characters(blacklist_characters="\r\x00", blacklist_categories=("Cs",)))
row = st.tuples(st.text("abcdefgh0123456789", min_size=1, max_size=8), cell, cell)


@given(rows=st.lists(st.tuples(row, st.integers(0, 2)), max_size=20))
def test_csv_records_know_their_first_physical_line(rows):
    text, expected = "id,a,b\n", []
    for values, blank_lines in rows:
        text += "\n" * blank_lines
        expected.append(text.count("\n") + 1)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(values)
        text += out.getvalue()
    records = parse_body(text.encode(), "text/csv", max_records=1000)
    assert [r.line for r in records] == expected


@given(values=st.lists(st.tuples(st.integers(), st.integers(0, 2)), max_size=20))
def test_ndjson_records_know_their_line(values):
    text, expected = "", []
    for value, blank_lines in values:
        text += "\n" * blank_lines
        expected.append(text.count("\n") + 1)
        text += json.dumps({"n": value}) + "\n"
    records = parse_body(text.encode(), "application/x-ndjson", max_records=1000)
    assert [r.line for r in records] == expected
