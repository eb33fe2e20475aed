"""Invariants: a unit's range decides acceptance; resubmissions keep one row, the last value."""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.measures.config import in_range
from tests.measures.helpers import listed, submit

DAYS = itertools.count(1)  # a period of its own per example: 2025-01-01, 2025-01-02, …
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(value=finite)
def test_ranges(value):
    assert in_range("ratio", value) == (0 <= value <= 1)
    assert in_range("score", value) == (0 <= value <= 100)
    assert in_range("hours", value) == (value >= 0)
    assert in_range("count", value) == (value >= 0 and value == int(value))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(finite, min_size=1, max_size=4))
def test_the_last_accepted_submission_is_the_one_kept(http, tenant, measures, values):
    day = next(DAYS)
    period = f"2025-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}"
    base = {"measure": measures["satisfaction"], "client": tenant.client, "period": period}
    for value in values:
        answer = submit(http, tenant.key, base | {"value": value})
        assert answer.status_code == 200
        assert len(answer.json()["accepted"]) == (1 if in_range("score", value) else 0)
    kept = [m for m in listed(http, tenant.key, period=period) if m["measure"] == base["measure"]]
    accepted = [v for v in values if in_range("score", v)]
    assert [(m["value"], m["state"]) for m in kept] == (
        [(accepted[-1], "submitted")] if accepted else []
    )
