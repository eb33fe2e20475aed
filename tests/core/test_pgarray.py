"""Array literals read back by PostgreSQL as the values they were made from."""

from app.core.pgarray import array_literal

AWKWARD = ["plain", 'a "quoted" id', "back\\slash", "a,b", "{braces}", " spaced ", "", "NULL"]


def test_a_text_array_literal_reads_back_as_its_strings(pg):
    values = [*AWKWARD, "中文 id", None]
    (read,) = pg.execute("SELECT %s::text[]", [array_literal(values)]).fetchone()
    assert read == values


def test_an_array_literal_of_other_values_reads_back_as_them(pg):
    (ints, flags) = pg.execute(
        "SELECT %s::int[], %s::bool[]", [array_literal([1, None, -3]), array_literal([True, False])]
    ).fetchone()
    assert (ints, flags) == ([1, None, -3], [True, False])
