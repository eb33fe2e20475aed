"""The counters' pure parts: lateness buckets, reasons, quantiles from the histogram."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from app.quality.measures import figures, lateness_bucket, merge, quantile, reason


def test_lateness_buckets_narrow_near_zero_and_widen_later():
    cases = {
        -3.0: 0,
        0.4: 0,
        59.9: 59,
        60: 60,
        65: 60,
        599: 590,
        600: 600,
        3599: 3540,
        3600: 3600,
        86399: 82800,
        90000: 86400,
        3 * 86400 + 5: 3 * 86400,
    }
    assert {s: lateness_bucket(s) for s in cases} == cases


def test_a_rejection_counts_under_the_field_its_first_error_names():
    assert reason(["offered_at: timestamp needs a UTC offset", "csat: too big"]) == "offered_at"
    assert reason(["queue: unknown queue 'x'"]) == "queue"
    assert reason(["not JSON at all"]) == "record"
    assert reason(["line 3: bad quote"]) == "record"
    assert reason([]) == "record"


def test_figures_of_known_counters():
    first_kind = [("accepted", 3), ("duplicates", 1), ("rejected:offered_at", 2)]
    first_kind += [("rejected:queue", 1), ("late:0", 1), ("late:7", 1), ("late:3600", 1)]
    second_kind = [("accepted", 1), ("late:7", 1), ("late_max", 9)]
    counters = merge([*first_kind, ("late_max", 3725), *second_kind])
    assert figures(counters) == {
        "accepted": 4,
        "duplicates": 1,
        "rejected": 3,
        "rejected_by_reason": {"offered_at": 2, "queue": 1},
        "lateness_p50_s": 7,  # 0, 7, 7, 3600: the 2nd
        "lateness_p95_s": 3600,  # the 4th
        "lateness_max_s": 3725,
    }
    assert figures({})["lateness_p95_s"] is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 59.999), min_size=1, max_size=40), st.sampled_from([0.5, 0.95]))
def test_below_a_minute_quantiles_are_exact_to_the_second(values, q):
    histogram: dict[int, int] = {}
    for v in values:
        histogram[lateness_bucket(v)] = histogram.get(lateness_bucket(v), 0) + 1
    exact = sorted(values)[max(1, math.ceil(q * len(values))) - 1]
    assert quantile(sorted(histogram.items()), q) == math.floor(exact)
