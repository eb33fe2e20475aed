"""What the SLA report adds about an unfinished or short period: proration and projection.

`amount.proration` says how each term of the amount relates to the period's length: a seat
price is monthly and prorated by day (`periods.months`), handled contacts and hours are
counted, while the fixed bonus, the bonus rules and the penalties are per report period as
the contract states them and are not prorated — so a week's report says it carries a missed
target's full penalty instead of doing so silently. `projection` is `projection.project`.
"""

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from typing import Any

from app.contracts.actuals import Sums
from app.contracts.config import ContractSpec
from app.contracts.periods import Period, months
from app.contracts.projection import project
from app.contracts.scoring import SlaResult

MONTH_PLACES = 4


def proration(spec: ContractSpec, period: Period) -> dict[str, Any]:
    """Return how the amount's terms scale with the period: prorated, counted or per period."""
    length = months(period)
    return {
        "period_months": round(float(length), MONTH_PLACES),
        "period_months_exact": str(length),
        "whole_month": length == Fraction(1) and period.kind == "month",
        "quantity": "prorated" if spec.billing.model == "per_seat" else "counted",
        "bonus": "per_period",
        "penalty": "per_period",
    }


def extend(
    answer: dict[str, Any],
    spec: ContractSpec,
    result: SlaResult,
    daily: Sequence[Sums],
    period: Period,
) -> dict[str, Any]:
    """Add `amount.proration` and `projection` to a report read at its `as_of`."""
    answer["amount"]["proration"] = proration(spec, period)
    answer["projection"] = project(
        spec, result, daily, period, datetime.fromisoformat(answer["as_of"])
    )
    return answer
