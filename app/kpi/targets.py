"""A queue's operational targets: what its wallboard colours against and default alerts fire on.

A target bounds one KPI from below (`min`, e.g. service level ≥ 0.80), from above (`max`,
e.g. abandon rate ≤ 0.05) or both (an AHT range). Every queue has a service-level and an
abandon-rate target, from the settings unless its YAML sets its own.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import Field, model_validator

from app.core.config import Settings
from app.core.spec import Entry


@dataclass(frozen=True)
class Bound:
    """A KPI's target: at least `min`, at most `max` (either may be open)."""

    min: float | None = None
    max: float | None = None

    def data(self) -> dict[str, float | None]:
        """Return the bound as plain data (`{"min": …, "max": …}`)."""
        return {"min": self.min, "max": self.max}

    def met(self, value: float) -> bool:
        """Tell whether `value` lies within the bound (ends included)."""
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def threshold(self, op: str) -> float | None:
        """Return the end a rule with comparator `op` fires past: `<` the min, `>` the max."""
        return self.min if op in ("<", "<=") else self.max


class TargetSpec(Entry):
    """A target as YAML writes it: `min`, `max`, or both (a range); checked once, here."""

    min: float | None = Field(default=None, allow_inf_nan=False)
    max: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _bounded(self) -> "TargetSpec":
        if self.min is None and self.max is None:
            raise ValueError("give `min`, `max` or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        return self

    @property
    def bound(self) -> Bound:
        """Return the target as the `Bound` that decides whether a value is within it."""
        return Bound(self.min, self.max)


def queue_targets(
    stored: Mapping[str, Mapping[str, float]], settings: Settings
) -> dict[str, Bound]:
    """Return a queue's targets: the defaults from the settings, overlaid by its own."""
    targets = {
        "service_level": Bound(min=settings.default_sl_target),
        "abandon_rate": Bound(max=settings.default_abandon_rate_max),
    }
    for kpi, bound in stored.items():
        targets[kpi] = Bound(bound.get("min"), bound.get("max"))
    return targets
