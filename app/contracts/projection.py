"""Money at risk: an open period's end projected from the period so far (DESIGN §10).

The projection keeps every KPI at its value so far (what the vendor has delivered is the best
guess of what it will deliver) and projects only the billed quantity: each day from today on
counts the average volume of the completed days of the same weekday (of all completed days
while that weekday has none yet), or what it already handled if more; completed days count
what they handled. A seat price does not depend on volume, so per-seat quantities stay. The
projected result is priced by `scoring.evaluate_contract`, the same code as the report, and
the gaps to the bands around the score are priced with `scoring.amount` and `bonus_for`.

No projection (None) for an ended period, a day, or before the first whole day of the period.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from app.contracts.actuals import Sums, components
from app.contracts.config import Band, ContractSpec
from app.contracts.periods import Period, days
from app.contracts.report import money, number
from app.contracts.scoring import (
    CENT,
    SlaResult,
    amount,
    bonus_for,
    evaluate_contract,
    quantity_for,
)
from app.kpi.definitions import logged_in_s
from app.kpi.sources import NO_DATA

BASIS = (
    "KPIs stay at their values so far; from today on, each day counts the average volume of"
    " the completed days of the same weekday (all completed days while that weekday has none),"
    " or what it already handled if more; seats are not projected"
)


def day_quantity(spec: ContractSpec, sums: Sums) -> Decimal:
    """Return what one day bills under a volume model: handled contacts or logged-in hours."""
    return quantity_for(
        spec.billing,
        handled=int(components(sums, "calls").get("handled", 0)),
        logged_in_s=logged_in_s(NO_DATA | components(sums, "agents")),
        months=Fraction(0),
    )


def projected_quantity(
    volumes: Sequence[Decimal], dates: Sequence[date], today: date, places: Decimal
) -> Decimal:
    """Return the period's quantity: completed days as handled, the rest at weekday averages."""
    done = [(day, volume) for day, volume in zip(dates, volumes, strict=True) if day < today]
    by_weekday: dict[int, list[Decimal]] = defaultdict(list)
    for day, volume in done:
        by_weekday[day.weekday()].append(volume)
    overall = sum((v for _, v in done), Decimal(0)) / len(done)
    total = sum((v for _, v in done), Decimal(0))
    for day, volume in zip(dates, volumes, strict=True):
        if day >= today:
            same = by_weekday.get(day.weekday())
            average = sum(same, Decimal(0)) / len(same) if same else overall
            total += max(average, volume)
    return total.quantize(places, ROUND_HALF_UP)


def project(
    spec: ContractSpec,
    result: SlaResult,
    daily: Sequence[Sums],
    period: Period,
    as_of: datetime,
) -> dict[str, Any] | None:
    """Return the period's projected end: quantity, score, band, amount and the band gaps."""
    today = as_of.astimezone(period.start.tzinfo).date()
    dates = days(period)
    if period.kind == "day" or not dates[0] < today <= dates[-1]:
        return None
    billing = spec.billing
    if billing.model == "per_seat":
        quantity = result.amount.quantity
    else:
        places = Decimal(1) if billing.model == "per_workload" else CENT
        volumes = [day_quantity(spec, sums) for sums in daily]
        quantity = projected_quantity(volumes, dates, today, places)
    projected = evaluate_contract(spec, {r.kpi: r.actual for r in result.rows}, quantity)
    return {
        "basis": BASIS,
        "today": today.isoformat(),
        "days_completed": sum(1 for day in dates if day < today),
        "days_remaining": sum(1 for day in dates if day >= today),
        "quantity_so_far": number(result.amount.quantity),
        "quantity": number(quantity),
        "unit": projected.unit,
        "score": number(projected.score),
        "band": _band(projected.band),
        "coefficient": number(projected.amount.coefficient),
        "amount": money(projected.amount.total),
        "currency": projected.currency,
        "line": projected.line,
        "next_band": _next_band(spec, projected),
        "band_floor": _band_floor(spec, projected),
    }


def _band(band: Band | None) -> dict[str, Any] | None:
    if band is None:
        return None
    return {"min_score": number(band.min_score), "coefficient": number(band.coefficient)}


def _priced_at(projected: SlaResult, band: Band, score: Decimal, spec: ContractSpec) -> Decimal:
    """Return the projected amount had the score been `score`, in `band` (penalties kept)."""
    terms = projected.amount
    bonus = bonus_for(spec.billing, score)
    return amount(terms.quantity, terms.unit_price, band.coefficient, bonus, terms.penalty).total


def _next_band(spec: ContractSpec, projected: SlaResult) -> dict[str, Any] | None:
    """The band above the projected score: points short, its amount, the money at stake, and
    the missed targets each of which, met, would alone close the gap."""
    if projected.score is None:
        return None
    above = [b for b in spec.billing.bands if b.min_score > projected.score]
    if not above:
        return None
    band = min(above, key=lambda b: b.min_score)
    short = band.min_score - projected.score
    reached = _priced_at(projected, band, band.min_score, spec)
    with_data = sum((r.weight for r in projected.rows if r.met is not None), Decimal(0))
    closes = [
        r.kpi for r in projected.rows if r.met is False and 100 * r.weight / with_data >= short
    ]
    return {
        "min_score": number(band.min_score),
        "coefficient": number(band.coefficient),
        "points_short": number(short),
        "amount": money(reached),
        "at_stake": money(reached - projected.amount.total),
        "closes_gap": closes,
    }


def _band_floor(spec: ContractSpec, projected: SlaResult) -> dict[str, Any] | None:
    """The projected band's lower edge: the margin above it and what falling below costs."""
    band = projected.band
    below = [b for b in spec.billing.bands if band is not None and b.min_score < band.min_score]
    if band is None or projected.score is None or not below:
        return None
    lower = max(below, key=lambda b: b.min_score)
    fallen = _priced_at(projected, lower, band.min_score - CENT, spec)
    return {
        "min_score": number(band.min_score),
        "margin_points": number(projected.score - band.min_score),
        "coefficient_below": number(lower.coefficient),
        "amount_below": money(fallen),
        "at_risk": money(projected.amount.total - fallen),
    }
