"""The canonical form of a frozen report: stable through a store-and-read round trip."""

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from app.contracts.settled import canonical, restatement_of, sha256_of

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=8), JSON, max_size=6))
def test_a_stored_report_reads_back_to_the_same_text_and_hash(report):
    text = canonical(report)
    served = json.loads(text) | {"closed": {"sha256": "x"}, "restatement": []}
    assert canonical(served) == text  # the settlement keys are never hashed
    assert sha256_of(canonical(served)) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert text == json.dumps(
        {k: v for k, v in report.items() if k not in ("closed", "restatement")},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def test_non_ascii_is_kept_as_itself_and_keys_are_sorted():
    assert canonical({"b": "客户", "a": [1, 0.5]}) == '{"a":[1,0.5],"b":"客户"}'


def _report(sl: float | None, score: float, total: float, kpis=("service_level",)) -> dict:
    return {
        "targets": [{"kpi": kpi, "actual": sl} for kpi in kpis],
        "score": score,
        "amount": {"total": total},
    }


def test_restatement_lists_only_what_differs():
    assert restatement_of(_report(0.8, 80, 255.0), _report(0.8, 80, 255.0)) == []
    assert restatement_of(_report(0.8, 80, 255.0), _report(None, 80, 300.0)) == [
        {"kpi": "service_level", "closed": 0.8, "now": None},
        {"kpi": "amount", "closed": 255.0, "now": 300.0},
    ]
    # a target added to the contract after the close: no closed figure
    later = _report(0.8, 80, 255.0, kpis=("service_level", "csat"))
    assert restatement_of(_report(0.8, 80, 255.0), later) == [
        {"kpi": "csat", "closed": None, "now": 0.8}
    ]
