"""The shape of one forecast interval (话务预测) pushed to `POST /v1/forecasts`."""

from typing import Annotated

from pydantic import AfterValidator, Field

from app.erlang import MAX_AGENTS
from app.models.forecasts import OWN_FORECAST_SOURCE
from ingest.schemas import DAY_S, QueueCode, Record, Timestamp

DEFAULT_SOURCE = "wfm"
MAX_OFFERED = 1_000_000  # calls in one interval: far above any queue, below a unit mistake
MAX_SPAN_MIN = 1440  # a forecast row covers at most a day


def _not_reserved(name: str) -> str:
    """Refuse the source name CallPulse's own forecast is stored under."""
    if name == OWN_FORECAST_SOURCE:
        raise ValueError(
            f"{OWN_FORECAST_SOURCE!r} is reserved for CallPulse's own forecast: name your WFM"
            f" tool, e.g. {DEFAULT_SOURCE!r}"
        )
    return name


class ForecastRecord(Record):
    """`POST /v1/forecasts`: a queue's forecast for one interval, from one WFM tool."""

    queue: QueueCode
    interval_start: Timestamp = Field(
        description="Start of the forecast interval, RFC 3339 with offset, on the stats"
        " interval grid (CALLPULSE_INTERVAL_MINUTES, e.g. 09:00, 09:15, …)."
    )
    interval_min: Annotated[int, Field(gt=0, le=MAX_SPAN_MIN)] | None = Field(
        None,
        description="Minutes the forecast covers (default: one stats interval); a whole"
        " multiple of the stats interval, split evenly: `offered` shared out, `aht_s` and"
        " `required_agents` (levels, not volumes) kept for each stats interval.",
    )
    offered: Annotated[float, Field(ge=0, le=MAX_OFFERED, allow_inf_nan=False)] = Field(
        description="Forecast calls offered in the interval (≥ 0)."
    )
    aht_s: Annotated[float, Field(gt=0, lt=DAY_S, allow_inf_nan=False)] | None = Field(
        None, description="Forecast average handle time, seconds (> 0)."
    )
    required_agents: Annotated[float, Field(ge=0, le=MAX_AGENTS, allow_inf_nan=False)] | None = (
        Field(None, description="Forecast agents required on the phones in the interval (≥ 0).")
    )
    source: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_not_reserved)] = (
        Field(
            DEFAULT_SOURCE,
            description=f"The WFM tool that forecast it (default {DEFAULT_SOURCE!r});"
            f" {OWN_FORECAST_SOURCE!r} is reserved for CallPulse's own forecast.",
        )
    )
