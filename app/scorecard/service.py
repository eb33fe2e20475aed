"""The vendor scorecard: one row per contract of a client in force in a period, sortable.

Each row's score, coefficient and amount are the contract's SLA report (`sla_report`, so
scoring has one implementation); the row adds the contacts handled and the call KPIs under
one common formula (`volumes`), and the cost per handled contact (amount ÷ handled, in the
contract's currency). A vendor's key, or a supervisor's with a vendor, sees its own rows only;
another client's code answers 404, as everywhere.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.access.scope import client_scope
from app.contracts import repository
from app.contracts.periods import FORMS, clip, days, parse_period
from app.contracts.service import sla_report
from app.core.config import Settings
from app.core.errors import AppError, NotFound
from app.core.vocabulary import SL_FORMULAS
from app.kpi.definitions import KPIS
from app.kpi.names import kpi_name
from app.scorecard.volumes import (
    COMMON_KPIS,
    COMMON_SL_FORMULA,
    VOLUME_BASIS,
    Volumes,
    volumes,
)

COLUMNS = ("contract", "vendor", "handled", "score", "coefficient", "amount", "cost_per_contact")
ORDERS = ("asc", "desc")


def sort_columns(kpis: list[str]) -> list[str]:
    """Return what `sort=` accepts: the fixed columns, each KPI key, and `common.<kpi>`."""
    return [*COLUMNS, *kpis, *(f"common.{kpi}" for kpi in COMMON_KPIS)]


def scorecard(
    session: Session,
    principal: Principal,
    client_code: str,
    period: str,
    settings: Settings,
    sort: str = "contract",
    order: str = "asc",
) -> dict[str, Any]:
    """Return the client's vendors side by side over `period`, sorted by `sort` and `order`."""
    scope = client_scope(session, principal, client_code)
    try:
        requested = parse_period(period, scope.timezone)
    except ValueError as exc:
        raise AppError(str(exc) if str(exc).startswith("period:") else f"period: {FORMS}") from exc
    in_force = repository.contracts_in_force(
        session, scope.client_id, requested.start.date(), days(requested)[-1], scope.vendor_id
    )
    if not in_force:
        raise NotFound(
            f"client {client_code!r} has no contract in force in {period} that this key may"
            " read: pick another period"
        )
    rows, last = [], None
    measures: dict[str, dict[str, Any]] = {}  # the measure targets' units and names
    for row in in_force:
        last = sla_report(session, principal, client_code, period, row.contract.code, settings)
        measures |= {
            t["kpi"]: {"unit": t["unit"], "name": t["name"]}
            for t in last["targets"]
            if t["source"] == "submitted"
        }
        measured = clip(requested, row.contract.valid_from, row.contract.valid_to)
        assert measured is not None  # in force on at least one day of the period
        rows.append(_row(last, volumes(session, scope.client_id, row, measured)))
    assert last is not None
    kpis = list(dict.fromkeys(kpi for row in rows for kpi in row["kpis"]))
    allowed = sort_columns(kpis)
    if sort not in allowed:
        raise AppError(f"sort: {sort!r} is not a column; use one of {', '.join(allowed)}")
    if order not in ORDERS:
        raise AppError(f"order: {order!r}; use asc or desc")
    return {
        "client": client_code,
        "client_name": last["client_name"],
        "timezone": last["timezone"],
        "period": {"kind": requested.kind, "label": requested.label}
        | {"start": requested.start.isoformat(), "end": requested.end.isoformat()},
        "as_of": last["as_of"],
        "partial": last["partial"],
        "volume_basis": VOLUME_BASIS,
        "common_sl_formula": {"name": COMMON_SL_FORMULA, "formula": SL_FORMULAS[COMMON_SL_FORMULA]},
        "common_kpis": list(COMMON_KPIS),
        "kpis": kpis,
        "measures": measures,
        "sort": {"column": sort, "order": order, "columns": allowed},
        "rows": sort_rows(rows, sort, order),
    }


def _row(report: dict[str, Any], handled: Volumes) -> dict[str, Any]:
    amount = report["amount"]
    total = handled.calls + handled.tickets
    cost = None
    if total:
        cost = float(
            (Decimal(str(amount["total"])) / total).quantize(Decimal("0.01"), ROUND_HALF_UP)
        )
    return {
        "contract": report["contract"],
        "vendor": report["vendor"],
        "queues": report["queues"],
        "valid_from": report["valid_from"],
        "valid_to": report["valid_to"],
        "sl_formula": report["sl_formula"],
        "handled": {"calls": handled.calls, "tickets": handled.tickets, "total": total},
        "kpis": {t["kpi"]: t["actual"] for t in report["targets"]},
        "met": {t["kpi"]: t["met"] for t in report["targets"]},
        "common": handled.common,
        "score": report["score"],
        "band": report["band"],
        "coefficient": report["coefficient"],
        "amount": amount["total"],
        "currency": amount["currency"],
        "cost_per_contact": cost,
        "proration": amount.get("proration"),
    }


def cell(row: dict[str, Any], column: str) -> Any:
    """Return a row's value in a sort column."""
    if column == "handled":
        return row["handled"]["total"]
    if column.startswith("common."):
        return row["common"].get(column.removeprefix("common."))
    if column in COLUMNS:
        return row[column]
    return row["kpis"].get(column)


def sort_rows(rows: list[dict[str, Any]], column: str, order: str) -> list[dict[str, Any]]:
    """Sort rows by a column, ties by contract code; rows without a value go last either way."""
    by_code = sorted(rows, key=lambda r: r["contract"])
    valued = [r for r in by_code if cell(r, column) is not None]
    empty = [r for r in by_code if cell(r, column) is None]
    valued.sort(key=lambda r: cell(r, column), reverse=order == "desc")
    return valued + empty


def kpi_unit(card: dict[str, Any], kpi: str) -> str:
    """Return a scorecard column's unit: a declared measure's, else the catalogue KPI's."""
    if kpi in card["measures"]:
        return str(card["measures"][kpi]["unit"])
    return KPIS[kpi.partition(".")[0]].unit


def kpi_label(card: dict[str, Any], kpi: str, lang: str) -> str:
    """Name a scorecard column: a measure by its declared name, a KPI by the catalogue's."""
    if kpi in card["measures"]:
        return str(card["measures"][kpi]["name"][lang if lang == "zh" else "en"])
    return kpi_name(kpi, lang)
