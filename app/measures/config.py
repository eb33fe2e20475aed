"""The YAML shape of one `measures:` entry, and the range each unit's values may take.

A measure is a KPI no feed records (attrition 人员流失率, training pass rate 培训合格率, …):
the vendor submits its value per period and the client confirms it. Its code is a target key
of contracts, so it may not be a catalogue KPI's name and carries no channel (no dot).
"""

from typing import Annotated, Literal

from pydantic import Field, field_validator

from app.core.spec import Entry
from app.core.vocabulary import MEASURE_UNITS
from app.kpi.definitions import KPIS

MeasureCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
RANGES = {
    "ratio": "a fraction 0–1 (write 0.95 for 95 %)",
    "count": "a whole number ≥ 0",
    "score": "a score 0–100",
    "hours": "hours ≥ 0",
}
"""What a value of each unit must be, as a rejection says it."""


def in_range(unit: str, value: float) -> bool:
    """Return whether `value` is a possible value of `unit` (see RANGES)."""
    if unit == "ratio":
        return 0 <= value <= 1
    if unit == "score":
        return 0 <= value <= 100
    if unit == "count":
        return value >= 0 and float(value).is_integer()
    return value >= 0


class Words(Entry):
    """A text in English and Simplified Chinese."""

    en: str = Field(min_length=1, max_length=200)
    zh: str = Field(min_length=1, max_length=200)


class Formula(Entry):
    """How the vendor computes the value, in English and (optionally) Chinese."""

    en: str = Field(min_length=1, max_length=2000)
    zh: str = Field(default="", max_length=2000)


class MeasureSpec(Entry):
    """A KPI measured outside the ACD: code, names, unit, which direction is better, formula."""

    code: MeasureCode
    name: Words
    unit: Literal[MEASURE_UNITS]  # type: ignore[valid-type]
    direction: Literal["higher", "lower"] = Field(description="which way is better")
    formula: Formula = Field(description="text, or {en: …, zh: …}")

    @field_validator("code")
    @classmethod
    def _not_a_kpi(cls, code: str) -> str:
        if code in KPIS:
            raise ValueError(f"{code!r} is a KPI CallPulse measures itself; pick another code")
        return code

    @field_validator("formula", mode="before")
    @classmethod
    def _bilingual(cls, formula: object) -> object:
        """A plain text is the English formula (the Chinese pages then print it too)."""
        return {"en": formula} if isinstance(formula, str) else formula
