"""Targets on measures: KPIs no feed records, submitted by the vendor and confirmed by the client.

A contract target may name a measure declared under `measures:` (attrition, training pass
rate, …) instead of a catalogue KPI. Its actual is the vendor's value for the client, and it
scores only once the client confirmed it: while submitted or disputed it is no data (○).

Which submission a report reads: the narrowest period submitted that holds the report's whole
period. A month's value applies to that month's report and to every week and day report
inside the month; a week report across two months, or a month report when only weeks were
submitted, has no value (nothing submitted covers it). A day's value beats its month's.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.contracts import repository
from app.contracts.config import target_kpi
from app.contracts.periods import Period
from app.kpi.definitions import KPIS

CONFIRMED = "confirmed"


@dataclass(frozen=True)
class Submitted:
    """A measure target as a report shows it: the measure and what was submitted for it."""

    code: str
    name: dict[str, str]
    unit: str
    higher_is_better: bool
    formula: dict[str, str]
    value: float | None
    state: str | None  # None: nothing submitted
    measurement: int | None
    period: str | None

    @property
    def actual(self) -> float | None:
        """Return the value that scores: the confirmed one, else None (no data)."""
        return self.value if self.state == CONFIRMED else None


def measure_keys(keys: Iterable[str]) -> list[str]:
    """Return the target keys that are measures, not catalogue KPIs."""
    return [key for key in keys if target_kpi(key)[0] not in KPIS]


def submitted(
    session: Session, keys: Iterable[str], client_id: int, vendor_id: int, period: Period
) -> dict[str, Submitted]:
    """Return each measure target of `keys` with the vendor's submission for `period`."""
    codes = measure_keys(keys)
    if not codes:
        return {}
    return {
        measure.code: Submitted(
            code=measure.code,
            name={"en": measure.name_en, "zh": measure.name_zh},
            unit=measure.unit,
            higher_is_better=measure.higher_is_better,
            formula={"en": measure.formula_en, "zh": measure.formula_zh or measure.formula_en},
            value=None if found is None else found.value,
            state=None if found is None else found.state,
            measurement=None if found is None else found.id,
            period=None if found is None else found.period,
        )
        for measure, found in repository.submitted_measurements(
            session, codes, client_id, vendor_id, period
        )
    }
