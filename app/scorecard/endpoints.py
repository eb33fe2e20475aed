"""`GET /v1/scorecard/{client}` (JSON) and its exports `.csv` and `.xlsx`, same rows.

The suffixed routes are declared first: `{client}` alone would also capture `acme.csv`.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from app.access.auth import current_principal
from app.access.keys import Principal
from app.contracts.endpoints import PeriodQuery
from app.contracts.periods import required_period
from app.core.db import get_session
from app.core.downloads import add_download_routes
from app.scorecard.exports import EXPORTS, render_scorecard
from app.scorecard.service import scorecard

router = APIRouter(prefix="/v1/scorecard", tags=["sla"])

SortQuery = Annotated[
    str,
    Query(
        description="column to sort by: contract, vendor, handled, score, coefficient, amount,"
        " cost_per_contact, a target KPI key (service_level) or common.<kpi>"
    ),
]
OrderQuery = Annotated[Literal["asc", "desc"], Query(description="sort order")]


def scorecard_request(
    request: Request,
    client: str,
    period: PeriodQuery = None,
    sort: SortQuery = "contract",
    order: OrderQuery = "asc",
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Return the scorecard a request asks for (a dependency shared by every format)."""
    settings = request.app.state.settings
    return scorecard(session, principal, client, required_period(period), settings, sort, order)


add_download_routes(
    router,
    EXPORTS,
    scorecard_request,
    render_scorecard,
    name="scorecard",
    title="Vendor scorecard",
    doc="The vendor scorecard as {FMT}: the same rows as `GET /v1/scorecard/{client}`,"
    " with when they were read and whether the period has ended; `lang=zh` for Chinese.",
)


@router.get("/{client}")
def get_scorecard(card: dict[str, Any] = Depends(scorecard_request)) -> dict[str, Any]:
    """A client's vendors side by side over a period: one row per contract in force.

    Each row: contacts handled (calls handled by the vendor's agents + tickets resolved), the
    contract's target KPIs under its own formulas, the call KPIs under one common SL formula
    (DESIGN §7's default, `A_T / offered`) so vendors compare, score, coefficient, amount and
    cost per handled contact. A vendor's key sees its own row only; another client's, 404.
    """
    return card
