"""`GET /v1/rejected` and `GET /v1/rejected.csv`: the records ingest refused, with why.

The suffixed route is declared first, like the SLA exports.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from app.access.auth import require_kind
from app.access.keys import Principal
from app.core.cursor import MAX_PAGE
from app.core.db import get_session
from app.core.downloads import attachment
from app.core.errors import AppError
from app.kpi.series_csv import chunks
from app.rejects import export, service
from app.rejects.schemas import RejectedPage

router = APIRouter(prefix="/v1", tags=["rejected"])
reader = require_kind("vendor", "client", "supervisor", "admin")
CSV = "text/csv; charset=utf-8"
CSV_CONTENT = {"text/csv": {"schema": {"type": "string"}}}

Vendor = Annotated[str | None, Query(description="vendor code")]
Kind = Annotated[str | None, Query(description=" | ".join(service.LISTED_KINDS))]
From = Annotated[
    str | None,
    Query(alias="from", description="received at or after: date (local midnight) or RFC 3339"),
]
To = Annotated[str | None, Query(description="received before (exclusive): date or RFC 3339")]
Error = Annotated[
    str | None, Query(description="case-insensitive substring of one of the error messages")
]


def rejected_query(
    vendor: Vendor = None,
    kind: Kind = None,
    start: From = None,
    to: To = None,
    error: Error = None,
    principal: Principal = Depends(reader),
    session: Session = Depends(get_session, scope="function"),
) -> service.RejectQuery:
    """Read a listing's filters for the caller (400 naming a bad one, 404 an unseen vendor)."""
    return service.read_query(
        session, principal, vendor=vendor, kind=kind, start=start, end=to, error=error
    )


@router.get(
    "/rejected.csv",
    response_class=StreamingResponse,
    responses={200: {"content": CSV_CONTENT, "description": "CSV, UTF-8 with a BOM"}},
)
def get_rejected_csv(
    request: Request, query: service.RejectQuery = Depends(rejected_query)
) -> StreamingResponse:
    """Every rejected record the filters select, as CSV (English / 中文 headers), streamed
    newest first: the same rows and filters as `GET /v1/rejected`, without paging."""
    return _csv(request, query)


@router.get("/rejected", response_model=RejectedPage, responses={200: {"content": CSV_CONTENT}})
def get_rejected(
    request: Request,
    query: service.RejectQuery = Depends(rejected_query),
    limit: Annotated[int, Query(description=f"rows a page, 1 to {MAX_PAGE}")] = (
        service.DEFAULT_LIMIT
    ),
    cursor: Annotated[str | None, Query(description="`next_cursor` of the page before")] = None,
    format: Annotated[str | None, Query(description="json (default) or csv")] = None,
    session: Session = Depends(get_session, scope="function"),
) -> Any:
    """Records ingest refused, newest first, each with its errors and the record as sent.

    A vendor key sees every rejection of its own records (also those refused before a
    client was known: an unknown queue, an unreadable line); a client key those of its
    client; an admin key all. `received_at` is in the client's timezone (`timezone` names
    it), UTC when the record has no client. `record_index` is the record's position in its
    batch (from 0) on the v1 routes, its 1-based line or element through a feed (`feed`
    names it). Page with `next_cursor` (null on the last page) under the same filters; a
    cursor of other filters is 400. `format=csv` (or `/v1/rejected.csv`) answers every row
    as streamed CSV.
    """
    if format not in (None, "", "json", "csv"):
        raise AppError(f"format: {format!r}: use json or csv (or /v1/rejected.csv)")
    if format == "csv":
        return _csv(request, query)
    return service.rejected_page(session, query, limit, cursor)


def _csv(request: Request, query: service.RejectQuery) -> StreamingResponse:
    rows = service.rejected_rows(request.app.state.database, query)
    return StreamingResponse(
        chunks(export.csv_lines(rows)),
        media_type=CSV,
        headers=attachment("rejected.csv"),
    )
