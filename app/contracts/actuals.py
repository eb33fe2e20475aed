"""The actual value of each contract target, from components summed over a day or a period.

Each target key names a KPI of the registry (`app.kpi.definitions`), computed by its one
function; `ticket_frt_sla.email` reads the email channel's ticket components, the plain key
all channels. A KPI whose denominator is zero is None: no data, so the target is not scored.
A measure (`app.contracts.submitted`) has no stats: None here, its confirmed value scores.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from app.contracts.config import target_kpi
from app.core.vocabulary import DEFAULT_QA_BASIS
from app.kpi.definitions import KPIS, evaluate
from app.kpi.sources import NO_DATA

# (source, split) → component → summed value; the split is a ticket channel, else None.
Sums = Mapping[tuple[str, Any], Mapping[str, float]]


def source_of(kpi: str) -> str:
    """Return the stats a KPI is computed from: its source in the catalogue."""
    return KPIS[kpi].source


def needed_sources(keys: Iterable[str], model: str) -> set[str]:
    """Return the stats a contract reads: its targets' sources, what its billing counts, and
    alerts (the report always summarises them; the table is small), and the other sources a
    KPI also reads (QA accuracy may divide by handled calls, `qa_basis: handled`)."""
    kpis = [target_kpi(key)[0] for key in keys]
    sources = {s for kpi in kpis if kpi in KPIS for s in (source_of(kpi), *KPIS[kpi].also_reads)}
    sources |= {"alerts"}
    return sources | {"per_workload": {"calls"}, "per_hour": {"agents"}}.get(model, set())


def components(sums: Sums, source: str, channel: str | None = None) -> dict[str, float]:
    """Return a source's summed components; tickets of one channel, or of all without one."""
    parts = [
        values
        for (name, split), values in sums.items()
        if name == source and (channel is None or split == channel)
    ]
    return add(parts)


def add(parts: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Add components name by name."""
    total: dict[str, float] = defaultdict(float)
    for part in parts:
        for name, value in part.items():
            total[name] += value
    return dict(total)


def merge(days: Iterable[Sums]) -> dict[tuple[str, Any], dict[str, float]]:
    """Add the sums of several days into the sums of the whole period."""
    grouped: dict[tuple[str, Any], list[Mapping[str, float]]] = defaultdict(list)
    for day in days:
        for key, values in day.items():
            grouped[key].append(values)
    return {key: add(parts) for key, parts in grouped.items()}


def actuals(
    keys: Iterable[str],
    sums: Sums,
    sl_formula: str,
    qa_bases: Mapping[str, str] | None = None,
) -> dict[str, float | None]:
    """Return each target key's KPI value over `sums` (service level by `sl_formula`, QA
    accuracy by the target's `qa_bases` entry: per evaluated contact unless `handled`)."""
    result: dict[str, float | None] = {}
    for key in keys:
        kpi, channel = target_kpi(key)
        if kpi not in KPIS:  # a measure: no stats; its confirmed value (`submitted`) scores
            result[key] = None
            continue
        values = NO_DATA | components(sums, source_of(kpi), channel)
        for other in KPIS[kpi].also_reads:  # e.g. handled calls beside resolved tickets
            values |= components(sums, other)
        basis = (qa_bases or {}).get(key, DEFAULT_QA_BASIS)
        result[key] = evaluate((kpi,), values, sl_formula, basis)[kpi]
    return result
