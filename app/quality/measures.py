"""What ingest counts per batch, and how the day's counters become feed-quality figures.

Counters are rows `(client, vendor, day, kind, measure) → n`, summed over batches:
- `accepted`, `duplicates`: records of the batch written, or changing nothing;
- `rejected:<field>`: refused records, under the field their first error names (the text
  before its first `:`, e.g. `offered_at: timestamp needs a UTC offset` → `offered_at`);
- `late:<s>`: accepted records by lateness, received − the latest time the record states
  (for a CDR its end, else its answer, else its offer; an event's `at`; a ticket's latest
  time): the moment it could first have been sent. Bucket `late:<s>` holds lateness in
  `[s, next bucket)`; the buckets are 1 s wide below 60 s, 10 s below 10 min, 1 min below
  1 h, 1 h below 1 day, then 1 day. A time ahead of the clock counts as 0 s late;
- `late_max`: the largest lateness, in whole seconds (kept with GREATEST, not summed).

QA evaluations, schedule segments and forecasts count `accepted`, `duplicates` and
`rejected:<field>` like the others, but no lateness: an evaluation is made after its contact
by design, and a schedule or a forecast is published ahead, so none has a delivery delay to
measure (and calls' lateness quantiles stay those of the real-time records). A client's own
QA team's evaluations, and a client's own forecasts, are the client's records, not a
vendor's feed: not counted. Measurements (monthly values a vendor submits,
`/v1/measurements`) are not a feed either: their state is on that route.
"""

import math
from collections.abc import Iterable, Mapping
from typing import Any

ACCEPTED, DUPLICATES, REJECTED = "accepted", "duplicates", "rejected"
LATE, LATE_MAX = "late", "late_max"
RECORD_KINDS = (
    "calls",
    "call-events",
    "agent-events",
    "tickets",
    "qa-evaluations",
    "schedules",
    "forecasts",
)
FIELD_CHARS = 60  # a reason longer than this is cut (it is a field name, or "record")
LATENESS_RESOLUTION = (
    "lateness quantiles are the lower edge of the bucket holding them: to the second below"
    " 60 s, to 10 s below 10 min, to the minute below 1 h, to the hour below 1 day, then to"
    " the day; the maximum is exact to the second"
)
_WIDTHS = ((60, 1), (600, 10), (3600, 60), (86400, 3600))


def lateness_bucket(seconds: float) -> int:
    """Return the lower edge (s) of the lateness bucket holding `seconds` (negative: 0).

    A loop, not `next()` over a generator: it runs for every accepted record (0.5 → 0.2 µs).
    """
    whole = max(0, math.floor(seconds))
    for below, width in _WIDTHS:
        if whole < below:
            return whole // width * width
    return whole // 86400 * 86400


def reason(errors: Iterable[str]) -> str:
    """Return the field a rejection is counted under: its first error's text before `:`."""
    first = next(iter(errors), "")
    field, colon, _ = first.partition(":")
    field = field.strip()
    if not colon or not field or " " in field:
        return "record"
    return field[:FIELD_CHARS]


def rejected(field: str) -> str:
    """Return the measure of records rejected for `field`."""
    return f"{REJECTED}:{field}"


def late(bucket: int) -> str:
    """Return the measure of accepted records in the lateness bucket starting at `bucket` s."""
    return f"{LATE}:{bucket}"


def merge(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Return counters summed over days or kinds (`late_max`: the largest, not the sum)."""
    total: dict[str, int] = {}
    for measure, n in rows:
        if measure == LATE_MAX:
            total[measure] = max(total.get(measure, n), n)
        else:
            total[measure] = total.get(measure, 0) + n
    return total


def figures(counters: Mapping[str, int]) -> dict[str, Any]:
    """Return a day's figures from its counters (measure → n), units in the names."""
    by_reason = {
        name.removeprefix(f"{REJECTED}:"): n
        for name, n in sorted(counters.items())
        if name.startswith(f"{REJECTED}:")
    }
    histogram = sorted(
        (int(name.removeprefix(f"{LATE}:")), n)
        for name, n in counters.items()
        if name.startswith(f"{LATE}:")
    )
    return {
        "accepted": counters.get(ACCEPTED, 0),
        "duplicates": counters.get(DUPLICATES, 0),
        "rejected": sum(by_reason.values()),
        "rejected_by_reason": by_reason,
        "lateness_p50_s": quantile(histogram, 0.50),
        "lateness_p95_s": quantile(histogram, 0.95),
        "lateness_max_s": counters.get(LATE_MAX),
    }


def quantile(histogram: list[tuple[int, int]], q: float) -> int | None:
    """Return the nearest-rank q-quantile of a histogram [(bucket edge, n)] in edge order."""
    total = sum(n for _, n in histogram)
    if not total:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for edge, n in histogram:
        seen += n
        if seen >= rank:
            return edge
    raise AssertionError("unreachable")
