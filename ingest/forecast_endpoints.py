"""`POST /v1/forecasts`: a WFM tool's forecast (话务预测) per queue and interval."""

from typing import Any

from fastapi import APIRouter, Depends, Request

from app.access.auth import require_kind
from app.access.keys import Principal
from app.models.forecasts import OWN_FORECAST_SOURCE
from ingest.endpoints import IngestResponse, body_doc, write_posted
from ingest.forecast_schema import DEFAULT_SOURCE, ForecastRecord
from ingest.forecast_service import FORECASTS_KIND

router = APIRouter(prefix="/v1", tags=["ingest"])
forecaster_key = require_kind("vendor", "client")
PATH = f"/{FORECASTS_KIND}"


@router.post(
    PATH,
    name="post_forecasts",
    summary="Push forecasts (话务预测) of offered calls, AHT and required agents per interval",
    response_model=IngestResponse,
    openapi_extra=body_doc(ForecastRecord),
)
async def post_forecasts(request: Request, principal: Principal = Depends(forecaster_key)) -> Any:
    service = request.app.state.forecast_service
    return await write_posted(
        request, FORECASTS_KIND, ForecastRecord, lambda records: service.ingest(principal, records)
    )


post_forecasts.__doc__ = (
    "One record per queue and interval: `offered` calls forecast, optional `aht_s` and"
    " `required_agents`, under the WFM tool's `source` name (default"
    f" {DEFAULT_SOURCE!r}; {OWN_FORECAST_SOURCE!r} is CallPulse's own and refused)."
    " `interval_start` must lie on the stats interval grid (CALLPULSE_INTERVAL_MINUTES);"
    " `interval_min`, a whole multiple of it, splits a coarser forecast evenly. Send one JSON"
    " object, a JSON array, NDJSON or CSV. A post of the same queue, source and interval"
    " replaces the stored forecast (a replay is a duplicate). A bad record is reported by"
    " index and kept in `rejected_records`. A vendor key forecasts the queues it serves, a"
    " client key its own queues. The forecast accuracy KPIs (forecast_accuracy,"
    " aht_forecast_accuracy, staffing_forecast_accuracy, schedule_forecast_accuracy) score it"
    " against the intervals' actual calls once they have ended."
)
