"""Score a contract's targets, pick the coefficient band, and price the period (DESIGN §10).

score = 100 × Σ weight of targets met / Σ weight of targets with data, rounded half-up to
0.01, and the band is chosen on that rounded score, so the score printed is the one that
decided. A target with no data (its KPI had a zero denominator in the period, e.g. no email
tickets) is shown but left out of both sums and never penalised: missing volume is not a miss.
With no data at all there is no score, no band and no bonus rule, and the coefficient is 1.

amount = quantity × unit_price × coefficient + bonus − penalty, rounded half-up to 0.01, where
penalty = Σ over missed targets of (penalty_per_missed_target + the target's own `penalty`).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from app.contracts.config import Band, BillingSpec, ContractSpec, ContractTarget

CENT = Decimal("0.01")
SEAT_MONTH_PLACES = Decimal("0.0001")
UNITS = {"per_seat": "seat-months", "per_workload": "handled", "per_hour": "h"}
SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€"}


@dataclass(frozen=True)
class TargetResult:
    """One row of the compliance table; `met`, `points` and `penalty` are None without data."""

    kpi: str
    min: float | None
    max: float | None
    weight: Decimal
    actual: float | None
    met: bool | None
    points: Decimal | None
    penalty: Decimal | None


@dataclass(frozen=True)
class Amount:
    """Every term of quantity × unit_price × coefficient + bonus − penalty, and the total."""

    quantity: Decimal
    unit_price: Decimal
    coefficient: Decimal
    bonus: Decimal
    penalty: Decimal
    total: Decimal


@dataclass(frozen=True)
class SlaResult:
    """A contract evaluated over one period: the table, the score, its band and the amount."""

    contract: str
    rows: list[TargetResult]
    score: Decimal | None
    band: Band | None
    amount: Amount
    unit: str
    currency: str
    line: str


def target_met(target: ContractTarget, actual: float | None) -> bool | None:
    """Tell whether `actual` lies within the target, ends included; None without data."""
    return None if actual is None else target.bound.met(actual)


def score(results: Iterable[TargetResult]) -> Decimal | None:
    """Return 100 × Σ weight met / Σ weight with data, to 0.01; None if no target has data."""
    with_data = [r for r in results if r.met is not None]
    weights = sum((r.weight for r in with_data), Decimal(0))
    if not weights:
        return None
    earned = sum((r.weight for r in with_data if r.met), Decimal(0))
    return (100 * earned / weights).quantize(CENT, ROUND_HALF_UP)


def band_for(bands: Sequence[Band], score: Decimal) -> Band:
    """Return the first band, by min_score descending, whose min_score ≤ score."""
    for band in sorted(bands, key=lambda b: b.min_score, reverse=True):
        if band.min_score <= score:
            return band
    raise ValueError(f"no band covers score {score}; add one with min_score 0")


def bonus_for(billing: BillingSpec, score: Decimal | None) -> Decimal:
    """Return the fixed bonus plus the amount of the highest bonus rule the score reaches."""
    reached = [r for r in billing.bonus_rules if score is not None and r.min_score <= score]
    top = max(reached, key=lambda r: r.min_score, default=None)
    return billing.bonus + (top.amount if top else Decimal(0))


def amount(
    quantity: Decimal, unit_price: Decimal, coefficient: Decimal, bonus: Decimal, penalty: Decimal
) -> Amount:
    """Return quantity × unit_price × coefficient + bonus − penalty, rounded half-up to 0.01."""
    total = (quantity * unit_price * coefficient + bonus - penalty).quantize(CENT, ROUND_HALF_UP)
    return Amount(quantity, unit_price, coefficient, bonus, penalty, total)


def quantity_for(
    billing: BillingSpec, *, handled: int, logged_in_s: float, months: Fraction
) -> Decimal:
    """Return what the model bills: seat-months, handled contacts, or logged-in hours.

    The seat price is monthly, so seats are prorated by `months` (see `periods.months`):
    seat-months to 0.0001, hours to 0.01 h. Both are rounded before pricing so that the
    invoice line recomputes to its total.
    """
    if billing.seats is not None:  # set exactly when the model is per_seat
        exact = billing.seats * months
        seat_months = Decimal(exact.numerator) / Decimal(exact.denominator)
        return seat_months.quantize(SEAT_MONTH_PLACES, ROUND_HALF_UP)
    if billing.model == "per_workload":
        return Decimal(handled)
    return (Decimal(logged_in_s) / 3600).quantize(CENT, ROUND_HALF_UP)


def evaluate_contract(
    spec: ContractSpec, actuals: Mapping[str, float | None], quantity: Decimal
) -> SlaResult:
    """Evaluate every target on `actuals` (keyed like the targets; absent = no data) and price.

    `quantity` is what `quantity_for` returns for the period.
    """
    billing = spec.billing
    rows = [_row(key, target, actuals.get(key), billing) for key, target in spec.targets.items()]
    result_score = score(rows)
    band = None if result_score is None else band_for(billing.bands, result_score)
    penalty = sum((r.penalty for r in rows if r.penalty is not None), Decimal(0))
    terms = amount(
        quantity,
        billing.unit_price,
        Decimal(1) if band is None else band.coefficient,
        bonus_for(billing, result_score),
        penalty,
    )
    unit = UNITS[billing.model]
    return SlaResult(
        spec.code,
        rows,
        result_score,
        band,
        terms,
        unit,
        billing.currency,
        invoice_line(terms, unit, billing.currency),
    )


def _row(
    key: str, target: ContractTarget, actual: float | None, billing: BillingSpec
) -> TargetResult:
    met = target_met(target, actual)
    points = penalty = None
    if met is not None:
        points = target.weight if met else Decimal(0)
        penalty = Decimal(0) if met else billing.penalty_per_missed_target + target.penalty
    return TargetResult(key, target.min, target.max, target.weight, actual, met, points, penalty)


def invoice_line(terms: Amount, unit: str, currency: str) -> str:
    """Spell the amount out: `12,345 handled × ¥4.50 × 1.00 + ¥0 − ¥0 = ¥55,552.50`."""
    return (
        f"{_number(terms.quantity, 0)} {unit} × {money(terms.unit_price, currency)}"
        f" × {_number(terms.coefficient, 2)} + {money(terms.bonus, currency)}"
        f" − {money(terms.penalty, currency)} = {money(terms.total, currency)}"
    )


def money(value: Decimal, currency: str) -> str:
    """Format money with its symbol (or ISO code), grouped, cents shown unless it is zero."""
    prefix = SYMBOLS.get(currency, f"{currency} ")
    if not value:
        return f"{prefix}0"
    sign = "−" if value < 0 else ""
    return f"{sign}{prefix}{_number(abs(value), 2)}"


def _number(value: Decimal, min_places: int) -> str:
    """Group thousands and show at least `min_places` decimals, more only if the value has them."""
    exponent = value.normalize().as_tuple().exponent
    places = max(min_places, -exponent if isinstance(exponent, int) else 0)
    return f"{value:,.{places}f}"
