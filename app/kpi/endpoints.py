"""`GET /v1/metrics` and `GET /v1/queues/{code}/live`: KPIs for any key, tenant-scoped."""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from app.access.auth import current_principal
from app.access.keys import Principal
from app.access.scope import queue_scope, requested_scope
from app.core.db import driver_connection, get_session
from app.core.vocabulary import DEFAULT_QA_BASIS
from app.kpi import live, queries
from app.kpi.intervals import GRANULARITIES, requested_range
from app.kpi.series_csv import chunks, csv_lines
from app.kpi.service import columns, metrics_series

router = APIRouter(prefix="/v1", tags=["metrics"])


@router.get("/metrics")
def get_metrics(
    request: Request,
    queue: str | None = None,
    client: str | None = None,
    start: Annotated[str | None, Query(alias="from", description="date or RFC 3339")] = None,
    to: Annotated[str | None, Query(description="exclusive; date or RFC 3339")] = None,
    granularity: Annotated[str, Query(description=" | ".join(GRANULARITIES))] = "hour",
    by: Annotated[str | None, Query(description="queue | agent | channel")] = None,
    format: Annotated[str | None, Query(description="json (default) or csv")] = None,
    qa_basis: Annotated[
        str, Query(description="QA accuracy per evaluated contact (default) or handled call")
    ] = DEFAULT_QA_BASIS,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> Any:
    """KPI series per bucket, in the client's timezone.

    `from`/`to` are ISO dates (local midnight) or RFC 3339 timestamps, `to` exclusive
    (default: today so far). Ratios are fractions 0–1, durations seconds. With `client=`
    and no `queue=`, one row per bucket for the whole client; `by=` splits each bucket.
    A series is at most `CALLPULSE_MAX_METRIC_ROWS` rows (buckets × split values): a
    larger one is answered 400 with its size and how to narrow or page it. CSV is streamed.
    QA accuracy (`fatal_accuracy`, `non_fatal_accuracy`) divides Σ errors by the evaluated
    contacts, or with `qa_basis=handled` by every handled call (some contracts' wording).
    """
    scope = requested_scope(session, principal, queue, client)
    tz, settings = scope.timezone, request.app.state.settings
    lo, hi = requested_range(start, to, tz)
    pg = driver_connection(session)
    codes = queries.agent_codes(pg, scope.client_id, scope.vendor_id) if by == "agent" else {}
    rows = metrics_series(
        pg,
        scope,
        start=lo,
        end=hi,
        granularity=granularity,
        by=by,
        interval_minutes=settings.interval_minutes,
        queue_level=queue is not None,
        agent_codes=codes,
        max_rows=settings.max_metric_rows,
        qa_basis=qa_basis,
    )
    wants_csv = format == "csv" or "text/csv" in request.headers.get("accept", "")
    if wants_csv:
        lines = csv_lines(columns(by, queue is not None), rows)
        return StreamingResponse(chunks(lines), media_type="text/csv; charset=utf-8")
    # Plain JSON values already: orjson writes them at once, without FastAPI's encoder pass.
    body = {"granularity": granularity, "timezone": str(tz), "series": list(rows)}
    return Response(orjson.dumps(body), media_type="application/json")


@router.get("/queues/{code}/live")
def get_live(
    code: str,
    request: Request,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Live state of a queue: waiting now, longest wait, agents by state, today's KPIs.

    Service level today and in the last 10 minutes, Erlang C agents required for the
    queue's target at the last 30 minutes' arrival rate, and when each vendor feed last
    sent a new or changed record and how many of its records were rejected today
    (`rejected_today`: the client's; a key bound to no client also counts the vendor's
    rejections with no client, `rejected_today_no_client`; list them with `GET /v1/rejected`).
    `callbacks`: requests of the last day not called back yet (`pending`), those past the
    queue's `callback_within_min` (`overdue`), and the oldest one's age since the caller
    left the number (`oldest_pending_s`).
    """
    scope = queue_scope(session, principal, code)
    settings = request.app.state.settings
    no_client = principal.client_id is None
    return live.queue_live(driver_connection(session), scope, settings, no_client)
