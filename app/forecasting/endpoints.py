"""`GET /v1/queues/{code}/plan`: a queue's interval plan for a day, tenant-scoped."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from app.access.auth import current_principal
from app.access.keys import Principal
from app.core.db import get_session
from app.core.errors import AppError
from app.forecasting.plan import plan_day, readable_plan
from app.forecasting.plan_csv import PLAN_FORMATS, plan_csv, plan_csv_name
from app.kpi.series_csv import chunks

router = APIRouter(prefix="/v1", tags=["planning"])


@router.get(
    "/queues/{code}/plan",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def get_plan(
    code: str,
    request: Request,
    day: Annotated[
        str | None, Query(alias="date", description="YYYY-MM-DD; default tomorrow (client time)")
    ] = None,
    format: Annotated[str | None, Query(description="json (default) or csv")] = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> Any:
    """Per interval of a local day: forecast offered calls and AHT, the forecast's source,
    Erlang C required agents for the queue's SL target and threshold, and scheduled agents.

    The forecast is a WFM tool's where one was posted (`POST /v1/forecasts`), else
    CallPulse's own (`callpulse`): the same weekday and interval over the past six weeks,
    weighted toward recent ones, holidays left out. `own_forecast_accuracy` measures the own
    forecast over the last seven days (1 − Σ|actual − forecast| / Σ actual). Times are in
    the client's timezone; `format=csv` gives the same rows with English and 中文 headers.
    """
    if format not in PLAN_FORMATS:
        raise AppError(f"format: use one of {', '.join(f for f in PLAN_FORMATS if f)}")
    settings = request.app.state.settings
    plan = readable_plan(session, principal, code, plan_day(day), settings)
    if format == "csv":
        return StreamingResponse(
            chunks(plan_csv(plan)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{plan_csv_name(plan)}"'},
        )
    return plan
