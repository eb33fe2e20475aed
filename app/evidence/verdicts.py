"""A KPI's verdict on one row, as SQL derived from the KPI's own formula.

A row listed as evidence says whether it met the service level (or a ticket its response
target). That verdict is not written again here: the KPI function of `app.kpi.definitions`
is evaluated on every combination of the counts it reads, each count being 0 or 1 for a
single row, and the SQL answers what the function answered for the row's combination —
1 met, 0 missed, no value (a zero denominator) NULL: the row is not in the KPI. The counts'
row predicates are the catalogue's (`Component.counts`), so a row's verdict, the filter
`sl=met` and the stats' components cannot disagree.
"""

from collections.abc import Callable, Mapping
from itertools import product

from app.kpi.sources import Source

Kpi = Callable[[Mapping[str, float]], float | None]


class _Reads(dict[str, float]):
    """Components that record which of them a KPI function reads."""

    def __init__(self) -> None:
        super().__init__()
        self.read: list[str] = []

    def __missing__(self, name: str) -> float:
        self.read.append(name)
        return 0.0


def components_read(kpi: Kpi) -> tuple[str, ...]:
    """Return the components a KPI function reads, in the order it reads them."""
    reads = _Reads()
    kpi(reads)
    return tuple(dict.fromkeys(reads.read))


def verdict_sql(kpi: Kpi, source: Source) -> str:
    """Return SQL of one row's verdict under `kpi`: true met, false missed, NULL not in it.

    The row's combination of counts is a number (bit i set when it is in the i-th count);
    each combination maps to the KPI's value on it. Combinations no row can have (answered
    and abandoned at once) map to whatever the formula says; they never occur.
    """
    names = components_read(kpi)
    predicates = [_predicate(source, name) for name in names]
    code = " + ".join(f"(CASE WHEN {p} THEN {1 << i} ELSE 0 END)" for i, p in enumerate(predicates))
    verdicts = []
    for bits in product((0, 1), repeat=len(names)):
        value = kpi(dict(zip(names, map(float, bits), strict=True)))
        if value in (0, 1):
            combination = sum(bit << i for i, bit in enumerate(bits))
            verdicts.append(f"WHEN {combination} THEN {'true' if value == 1 else 'false'}")
    return f"(CASE {code} {' '.join(verdicts)} END)"


def _predicate(source: Source, name: str) -> str:
    """Return the row predicate of a count component, refusing sums (they have no verdict)."""
    predicate = source.components[name].counts
    if predicate is None:
        raise ValueError(f"{name} of {source.name} is not a count: no row verdict")
    return f"coalesce({predicate}, false)"
