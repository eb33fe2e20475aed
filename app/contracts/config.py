"""The YAML shape of one `contracts:` entry (DESIGN §10), with errors naming the field.

Target keys are KPI API names (DESIGN §7) whose value is a ratio, a duration or a score; the
ticket KPIs also take a channel, `ticket_frt_sla.email`, where the plain key means all channels.
Money is Decimal; KPI bounds are floats, like the KPI values they are compared with.
"""

# ruff: noqa: RUF012 (ruff cannot see that Entry is a pydantic model: pydantic copies `[]`)

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from app.core.spec import Code, Entry
from app.core.vocabulary import QA_BASES, TICKET_CHANNELS
from app.kpi.definitions import KPIS, QA_BASIS_KPIS, TICKET_KPIS
from app.kpi.targets import TargetSpec

Money = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
Score = Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)]

TARGET_KPIS = tuple(
    name for name, kpi in KPIS.items() if kpi.unit in ("ratio", "s", "score", "per_agent_day")
)
CHANNEL_KPIS = tuple(name for name in TICKET_KPIS if name in TARGET_KPIS)
BILLING_MODELS = ("per_seat", "per_workload", "per_hour")
MEASURE_CODE = r"[a-z][a-z0-9_]*"  # a code declared under `measures:` (app.measures.config)


def target_kpi(key: str) -> tuple[str, str | None]:
    """Split a target key into its KPI and channel: `ticket_frt_sla.email` → (…, "email")."""
    kpi, _, channel = key.partition(".")
    return kpi, channel or None


class ContractTarget(TargetSpec):
    """A KPI target: `min`, `max` or both (an AHT range), its weight, and an optional penalty.

    `penalty` is charged when this target is missed, on top of `penalty_per_missed_target`.
    """

    weight: Decimal = Field(gt=0, allow_inf_nan=False)
    penalty: Money = Decimal(0)
    qa_basis: Literal[QA_BASES] | None = Field(  # type: ignore[valid-type]
        default=None,
        description="QA accuracy targets only: divide Σ errors by the evaluated contacts"
        " (`evaluated`, the default) or by every handled call (`handled`).",
    )


class Band(Entry):
    """A row of the KPI score → coefficient table (考核系数): from `min_score` up."""

    min_score: Score
    coefficient: Decimal = Field(ge=0, allow_inf_nan=False)


class BonusRule(Entry):
    """A bonus earned at a score of `min_score` or more; only the highest rule reached pays."""

    min_score: Score
    amount: Money


def _by_score(rows: list[Band] | list[BonusRule], field: str) -> None:
    scores = [row.min_score for row in rows]
    if len(set(scores)) != len(scores):
        raise ValueError(f"two {field} share a min_score")
    rows.sort(key=lambda row: row.min_score, reverse=True)


class BillingSpec(Entry):
    """How the vendor is paid: quantity × unit_price × coefficient + bonus − penalty.

    The quantity is `seats` (per_seat), handled contacts (per_workload) or logged-in hours
    (per_hour). `bonus` is a fixed amount per period; `bonus_rules` add one by score.
    """

    model: Literal[BILLING_MODELS]  # type: ignore[valid-type]
    unit_price: Money
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. CNY")
    seats: int | None = Field(default=None, gt=0, validate_default=True)
    bands: list[Band] = Field(
        default_factory=lambda: [Band(min_score=Decimal(0), coefficient=Decimal(1))],
        min_length=1,
    )
    bonus: Money = Decimal(0)
    bonus_rules: list[BonusRule] = []
    penalty_per_missed_target: Money = Decimal(0)

    @field_validator("bands")
    @classmethod
    def _bands_cover_zero(cls, bands: list[Band]) -> list[Band]:
        _by_score(bands, "bands")
        if bands[-1].min_score != 0:
            raise ValueError("add a band with min_score 0, so every score has a coefficient")
        return bands

    @field_validator("bonus_rules")
    @classmethod
    def _rules_sorted(cls, rules: list[BonusRule]) -> list[BonusRule]:
        _by_score(rules, "bonus_rules")
        return rules

    @field_validator("seats")
    @classmethod
    def _seats_for_per_seat(cls, seats: int | None, info: ValidationInfo) -> int | None:
        model = info.data.get("model")
        if model == "per_seat" and seats is None:
            raise ValueError("required for per_seat billing")
        if model in BILLING_MODELS and model != "per_seat" and seats is not None:
            raise ValueError(f"only for per_seat billing, not {model}")
        return seats


def _key_problem(key: str) -> str | None:
    kpi, channel = target_kpi(key)
    if kpi not in KPIS and channel is None and re.fullmatch(MEASURE_CODE, kpi):
        return None  # a measure: `apply` checks it is declared (`unknown_measures`)
    if kpi not in TARGET_KPIS:
        return (
            f"unknown KPI {kpi!r} (use one of {', '.join(TARGET_KPIS)},"
            " or a measure declared under measures:)"
        )
    if channel is not None and kpi not in CHANNEL_KPIS:
        return f"{key!r}: only {', '.join(CHANNEL_KPIS)} take a channel"
    if channel is not None and channel not in TICKET_CHANNELS:
        return f"{key!r}: unknown channel (use one of {', '.join(TICKET_CHANNELS)})"
    return None


def _basis_problem(key: str, target: ContractTarget) -> str | None:
    """Refuse `qa_basis` on a target that is not a QA accuracy."""
    if target.qa_basis is not None and target_kpi(key)[0] not in QA_BASIS_KPIS:
        return f"{key}.qa_basis: only {' and '.join(QA_BASIS_KPIS)} take a qa_basis"
    return None


def _ratio_problem(key: str, target: ContractTarget) -> str | None:
    """Catch percentages written for ratios, which are fractions (DESIGN §7)."""
    kpi = target_kpi(key)[0]
    if kpi not in KPIS or KPIS[kpi].unit != "ratio":
        return None  # a measure's unit is checked by `apply` (`measure_problems`)
    for end, bound in (("min", target.min), ("max", target.max)):
        if bound is not None and not 0 <= bound <= 1:
            return f"{key}.{end} {bound:g} is not a fraction 0–1 (write 0.80 for 80 %)"
    return None


class ContractSpec(Entry):
    """A contract between a client and a vendor over some queues, valid between two dates."""

    code: Code
    client: Code
    vendor: Code
    queues: list[Code] = Field(min_length=1)
    valid_from: date
    valid_to: date
    targets: dict[str, ContractTarget] = {}
    billing: BillingSpec

    @field_validator("targets")
    @classmethod
    def _known_targets(cls, targets: dict[str, ContractTarget]) -> dict[str, ContractTarget]:
        problems = [
            problem
            for key, target in targets.items()
            if (
                problem := _key_problem(key)
                or _ratio_problem(key, target)
                or _basis_problem(key, target)
            )
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return targets

    @property
    def qa_bases(self) -> dict[str, str]:
        """Return the QA basis of each target that sets one (`qa_basis`), by target key."""
        return {key: t.qa_basis for key, t in self.targets.items() if t.qa_basis is not None}

    @field_validator("valid_to")
    @classmethod
    def _after_valid_from(cls, valid_to: date, info: ValidationInfo) -> date:
        valid_from = info.data.get("valid_from")
        if valid_from is not None and valid_to < valid_from:
            raise ValueError(f"{valid_to} is before valid_from {valid_from}")
        return valid_to


def measure_problems(targets: dict[str, ContractTarget], units: dict[str, str]) -> list[str]:
    """Return what is wrong with a contract's measure targets, given the declared measures'
    units: undeclared codes, and ratio bounds written as percentages."""
    problems = []
    for key, target in targets.items():
        kpi = target_kpi(key)[0]
        if kpi in KPIS:
            continue
        if kpi not in units:
            declared = ", ".join(sorted(units)) or "none"
            problems.append(
                f"unknown KPI {kpi!r}: neither a KPI CallPulse measures nor a declared measure"
                f" (declared: {declared}); declare it under measures:"
            )
            continue
        for end, bound in (("min", target.min), ("max", target.max)):
            if units[kpi] == "ratio" and bound is not None and not 0 <= bound <= 1:
                problems.append(
                    f"{key}.{end} {bound:g} is not a fraction 0–1 (write 0.80 for 80 %)"
                )
    return problems
