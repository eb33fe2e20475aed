"""`GET /v1/queues/{code}/plan`: a queue's interval plan for a day, tenant-scoped."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from app.access.auth import current_principal
from app.access.keys import Principal
from app.access.scope import queue_scope
from app.core.db import driver_connection, get_session
from app.core.errors import AppError
from app.forecasting.plan import queue_plan
from app.forecasting.plan_csv import PLAN_FORMATS, plan_csv
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
    scope = queue_scope(session, principal, code)
    if day is None:
        wanted = datetime.now(UTC).astimezone(scope.timezone).date() + timedelta(days=1)
    else:
        try:
            wanted = date.fromisoformat(day)
        except ValueError as exc:
            raise AppError(f"date: {day!r} is not a date like 2026-12-01") from exc
    plan = queue_plan(driver_connection(session), scope, wanted, request.app.state.settings)
    if format == "csv":
        name = f"plan-{scope.queues[0].code}-{wanted.isoformat()}.csv"
        return StreamingResponse(
            chunks(plan_csv(plan)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return plan
