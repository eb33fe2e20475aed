"""`GET /v1/sla/{client}` (JSON) and its exports `.csv`, `.xlsx` and `.pdf`, same numbers.

The suffixed routes are declared first: `{client}` alone would also capture `acme.csv`.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from app.access.auth import current_principal
from app.access.keys import Principal
from app.contracts.downloads import EXPORTS, render_export
from app.contracts.periods import FORMS, required_period
from app.contracts.settled import settled_report
from app.core.db import get_session
from app.core.downloads import add_download_routes

router = APIRouter(prefix="/v1/sla", tags=["sla"])

PeriodQuery = Annotated[
    str | None, Query(description=f"{FORMS}, in the client's timezone; e.g. 2026-11")
]
ContractQuery = Annotated[
    str | None, Query(description="contract code, when several are in force in the period")
]


def sla_request(
    request: Request,
    client: str,
    period: PeriodQuery = None,
    contract: ContractQuery = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Return the SLA report a request asks for (a dependency shared by every format)."""
    settings = request.app.state.settings
    return settled_report(session, principal, client, required_period(period), contract, settings)


add_download_routes(
    router,
    EXPORTS,
    sla_request,
    render_export,
    name="sla",
    title="SLA report",
    doc="The SLA report as {FMT}: the same numbers as `GET /v1/sla/{client}`, with"
    " when they were read and whether the period is partial; `lang=zh` for Chinese.",
)


@router.get("/{client}")
def get_sla(report: dict[str, Any] = Depends(sla_request)) -> dict[str, Any]:
    """A client's SLA over a period: each target with actual, met, weight; score and amount.

    `period` is a month (`2026-11`), an ISO week (`2026-W47`) or a day (`2026-11-23`) in the
    client's timezone, clipped to the contract's validity. The score is 100 × Σ weight of
    targets met / Σ weight of targets with data; the coefficient comes from the first band
    whose `min_score` ≤ score; amount = quantity × unit_price × coefficient + bonus − penalty.
    Readable by the client's keys, an admin key, and keys of the contract's vendor.
    Once both parties closed the period (`POST /v1/sla/{client}/close`) the report is the
    one frozen then, with `closed: {at, by, sha256}` and `restatement` (the figures the
    live data now states otherwise); while open, `closed` and `restatement` are null.
    """
    return report
