"""Shape an evaluated contract as the SLA answer: the names `/v1/sla` and the exports share.

Ratios are fractions 0–1 and durations seconds, as in `/v1/metrics`; money is a JSON number
rounded to cents; weights, points, scores and coefficients are numbers too.
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.access.scope import Scope
from app.contracts.config import ContractSpec, target_kpi
from app.contracts.periods import Period
from app.contracts.scoring import SlaResult, TargetResult
from app.contracts.submitted import Submitted
from app.core.vocabulary import DEFAULT_QA_BASIS, SL_FORMULAS
from app.kpi.definitions import KPIS, QA_BASIS_KPIS, alert_response_s, definitions_version
from app.kpi.sources import NO_DATA
from app.quality.measures import LATENESS_RESOLUTION

AMOUNT_FORMULA = "quantity × unit_price × coefficient + bonus − penalty"
BASIS = {
    "per_seat": "seats × the period in months (a monthly seat price, prorated by day)",
    "per_workload": "calls the vendor's feed sent on the contract's queues, handled;"
    " tickets are not counted",
    "per_hour": "logged-in hours of the vendor's agents for this client",
}


def number(value: Decimal | None) -> int | float | None:
    """Return a Decimal as a JSON number: an integer when it is whole."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def money(value: Decimal) -> float:
    """Return money as a JSON number rounded to cents."""
    return float(value.quantize(Decimal("0.01")))


def report(
    spec: ContractSpec,
    result: SlaResult,
    scope: Scope,
    *,
    client_name: str,
    period: Period,
    contracts: list[str],
    daily: list[dict[str, Any]],
    alerts: dict[str, float],
    unacknowledged: list[tuple],
    as_of: datetime,
    contract_updated_at: datetime,
    feed_quality: dict[str, Any] | None = None,
    submitted: Mapping[str, Submitted] | None = None,
) -> dict[str, Any]:
    """Return the SLA report of one contract over one period, read at `as_of`.

    `partial` says the period has not ended at `as_of` (month to date: the figures will
    still change); `contract_updated_at` and `kpi_definitions` say which contract and which
    formulas produced the numbers. `unacknowledged` are the missed alerts' rows (queue,
    rule, opened, resolved, seconds). `feed_quality` is the contract vendor's feed over
    the period (`app.quality.service.period_quality`), one entry of the `feed_quality` list.
    `submitted` are the measure targets' submissions (`app.contracts.submitted`).
    """
    terms = result.amount
    return {
        "client": scope.client_code,
        "client_name": client_name,
        "timezone": str(scope.timezone),
        "period": {
            "kind": period.kind,
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "as_of": as_of.isoformat(timespec="seconds"),
        "partial": as_of < period.end,
        "contract": spec.code,
        "vendor": spec.vendor,
        "queues": [q.code for q in scope.queues],
        "contracts": contracts,
        "valid_from": spec.valid_from.isoformat(),
        "valid_to": spec.valid_to.isoformat(),
        "contract_updated_at": contract_updated_at.astimezone(scope.timezone).isoformat(
            timespec="seconds"
        ),
        "kpi_definitions": definitions_version(),
        "sl_formula": scope.sl_formula,
        "sl_formulas": {
            q.code: {
                "name": q.sl_formula,
                "formula": SL_FORMULAS[q.sl_formula],
                "threshold_s": q.sl_threshold_s,
            }
            for q in scope.queues
        },
        "targets": [
            _target(row, scope.sl_formula, spec.qa_bases, submitted or {}) for row in result.rows
        ],
        "score": number(result.score),
        "band": None
        if result.band is None
        else {
            "min_score": number(result.band.min_score),
            "coefficient": number(result.band.coefficient),
        },
        "coefficient": number(terms.coefficient),
        "amount": {
            "model": spec.billing.model,
            "quantity": number(terms.quantity),
            "unit": result.unit,
            "basis": BASIS[spec.billing.model],
            "unit_price": money(terms.unit_price),
            "coefficient": number(terms.coefficient),
            "bonus": money(terms.bonus),
            "penalty": money(terms.penalty),
            "total": money(terms.total),
            "currency": result.currency,
            "formula": AMOUNT_FORMULA,
            "line": result.line,
        },
        "daily": daily,
        "alerts": {
            "opened": int(alerts.get("alerts_opened", 0)),
            "acknowledged": int(alerts.get("alerts_acknowledged", 0)),
            "unacknowledged": int(
                alerts.get("alerts_opened", 0) - alerts.get("alerts_acknowledged", 0)
            ),
            "response_s": alert_response_s(NO_DATA | alerts),
        },
        "unacknowledged_alerts": [
            {
                "queue": queue,
                "rule": rule,
                "opened_at": opened.astimezone(scope.timezone).isoformat(),
                "resolved_at": resolved.astimezone(scope.timezone).isoformat()
                if resolved
                else None,
                "unacknowledged_s": seconds,
            }
            for queue, rule, opened, resolved, seconds in unacknowledged
        ],
        "feed_quality": [feed_quality] if feed_quality else [],
        "lateness_resolution": LATENESS_RESOLUTION,
    }


def _target(
    row: TargetResult,
    sl_formula: str,
    qa_bases: dict[str, str],
    submitted: Mapping[str, Submitted],
) -> dict[str, Any]:
    """Shape a target; `source` says whether CallPulse measured it or the vendor submitted it
    (then `state`: submitted, confirmed, disputed, or None when nothing was submitted)."""
    if row.kpi in submitted:
        return _measure_target(row, submitted[row.kpi])
    kpi = KPIS[target_kpi(row.kpi)[0]]
    formula = kpi.formula
    if kpi.name == "service_level":
        formula = f"service level = {SL_FORMULAS[sl_formula]} ({sl_formula})"
    basis = {}
    if kpi.name in QA_BASIS_KPIS:  # which contacts its errors are divided by
        basis = {"qa_basis": qa_bases.get(row.kpi, DEFAULT_QA_BASIS)}
        if basis["qa_basis"] == "handled":
            formula = formula.replace("evaluated contacts", "handled calls (qa_basis: handled)")
    return basis | _scored(row) | {"unit": kpi.unit, "formula": formula, "source": "measured"}


def _scored(row: TargetResult) -> dict[str, Any]:
    """Return how a target scored: its bounds, actual, verdict, weight, points and penalty."""
    return {
        "kpi": row.kpi,
        "target": {"min": row.min, "max": row.max},
        "actual": row.actual,
        "met": row.met,
        "weight": number(row.weight),
        "points": number(row.points),
        "penalty": None if row.penalty is None else money(row.penalty),
    }


def _measure_target(row: TargetResult, measure: Submitted) -> dict[str, Any]:
    """Shape a measure target: its value as submitted beside the actual that scores."""
    return _scored(row) | {
        "unit": measure.unit,
        "formula": measure.formula["en"],
        "source": "submitted",
        "state": measure.state,
        "submitted_value": measure.value,
        "measurement": measure.measurement,
        "measurement_period": measure.period,
        "name": measure.name,
        "formula_zh": measure.formula["zh"],
    }
