"""`GET /v1/calls`, `/v1/tickets` and `/v1/qa-evaluations`: the rows behind every figure,
JSON or CSV/Excel.

The suffixed routes (`.csv`, `.xlsx`) are declared first; `format=csv|xlsx` on the plain
route answers the same file.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import orjson
import psycopg
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.access.auth import current_principal
from app.access.keys import Principal
from app.access.scope import Scope, requested_scope
from app.core.config import Settings
from app.core.cursor import MAX_PAGE
from app.core.db import driver_connection, get_session
from app.core.downloads import attachment
from app.core.errors import AppError
from app.core.vocabulary import TICKET_CHANNELS
from app.evidence import exports
from app.evidence.outcomes import CALL_OUTCOMES
from app.evidence.service import (
    CallQuery,
    Page,
    QaQuery,
    TicketQuery,
    export_rows,
    list_calls,
    list_qa_evaluations,
    list_tickets,
)
from app.kpi.intervals import requested_range

router = APIRouter(prefix="/v1", tags=["evidence"])

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
RENDERERS: dict[str, dict[str, Callable[..., bytes]]] = {
    "calls": {"csv": exports.calls_csv, "xlsx": exports.calls_xlsx},
    "tickets": {"csv": exports.tickets_csv, "xlsx": exports.tickets_xlsx},
    "qa-evaluations": {"csv": exports.qa_evaluations_csv, "xlsx": exports.qa_evaluations_xlsx},
}
LISTERS: dict[str, Callable[..., Page]] = {
    "calls": list_calls,
    "tickets": list_tickets,
    "qa-evaluations": list_qa_evaluations,
}
MetVerdict = Annotated[str | None, Query(description="met | missed")]
Start = Annotated[
    str | None,
    Query(alias="from", description="date (local midnight) or RFC 3339; default today 00:00"),
]
End = Annotated[str | None, Query(description="exclusive; date or RFC 3339; default now")]
Queue = Annotated[str | None, Query(description="queue code (or give client=)")]
Client = Annotated[str | None, Query(description="client code: all its queues the key may read")]
Agent = Annotated[str | None, Query(description="agent code")]
Vendor = Annotated[
    str | None, Query(description="vendor code (narrows a vendor key, never widens)")
]
Limit = Annotated[int, Query(description=f"rows per page, 1 to {MAX_PAGE}")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
Format = Annotated[str | None, Query(description="json (default), csv or xlsx")]
Lang = Annotated[Literal["en", "zh"], Query(description="which header language comes first")]


@dataclass(frozen=True)
class Listing:
    """A checked request: whose rows, which ones, and where to read them."""

    scope: Scope
    query: Any
    pg: psycopg.Connection
    settings: Settings


def call_listing(
    request: Request,
    queue: Queue = None,
    client: Client = None,
    start: Start = None,
    to: End = None,
    outcome: Annotated[str | None, Query(description=" | ".join(CALL_OUTCOMES))] = None,
    sl: Annotated[
        str | None, Query(description="met | missed, under the queue's threshold and formula")
    ] = None,
    agent: Agent = None,
    vendor: Vendor = None,
    min_wait_s: Annotated[float | None, Query(description="wait ≥ this, seconds")] = None,
    transferred: bool | None = None,
    resolved: Annotated[bool | None, Query(description="first-contact resolution")] = None,
    csat_below: Annotated[float | None, Query(description="CSAT < this (0–100)")] = None,
    callback: Annotated[
        str | None,
        Query(description="met | missed: callback requests called back in time, or due and not"),
    ] = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> Listing:
    """Resolve the scope and the call filters of a request (shared by every format)."""
    scope = requested_scope(session, principal, queue, client)
    lo, hi = requested_range(start, to, scope.timezone)
    query = CallQuery(
        lo, hi, outcome, sl, agent, vendor, min_wait_s, transferred, resolved, csat_below, callback
    )
    return Listing(scope, query, driver_connection(session), request.app.state.settings)


def ticket_listing(
    request: Request,
    queue: Queue = None,
    client: Client = None,
    start: Start = None,
    to: End = None,
    channel: Annotated[str | None, Query(description=" | ".join(TICKET_CHANNELS))] = None,
    agent: Agent = None,
    vendor: Vendor = None,
    frt: MetVerdict = None,
    resolution: MetVerdict = None,
    open: Annotated[bool | None, Query(description="true: not resolved yet")] = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> Listing:
    """Resolve the scope and the ticket filters of a request."""
    scope = requested_scope(session, principal, queue, client)
    lo, hi = requested_range(start, to, scope.timezone)
    query = TicketQuery(lo, hi, channel, agent, vendor, frt, resolution, open)
    return Listing(scope, query, driver_connection(session), request.app.state.settings)


def qa_listing(
    request: Request,
    queue: Queue = None,
    client: Client = None,
    start: Start = None,
    to: End = None,
    agent: Agent = None,
    vendor: Vendor = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> Listing:
    """Resolve the scope and the QA evaluation filters of a request."""
    scope = requested_scope(session, principal, queue, client)
    lo, hi = requested_range(start, to, scope.timezone)
    query = QaQuery(lo, hi, agent, vendor)
    return Listing(scope, query, driver_connection(session), request.app.state.settings)


LISTINGS: dict[str, Callable[..., Listing]] = {
    "calls": call_listing,
    "tickets": ticket_listing,
    "qa-evaluations": qa_listing,
}


def _download(kind: str, listing: Listing, fmt: str, lang: str) -> Response:
    rows = export_rows(listing.pg, listing.scope, listing.query, listing.settings)
    content = RENDERERS[kind][fmt](rows, lang, timezone=str(listing.scope.timezone))
    filename = f"{kind}-{listing.scope.client_code}.{fmt}"
    return Response(content, media_type=MEDIA_TYPES[fmt], headers=attachment(filename))


def _answer(
    kind: str, listing: Listing, limit: int, cursor: str | None, fmt: str | None, lang: str
) -> Response:
    """Answer a page as JSON, or every row as the file `format=` names."""
    if fmt in MEDIA_TYPES:
        return _download(kind, listing, fmt, lang)
    if fmt not in (None, "json"):
        raise AppError(f"format: {fmt!r} is not one of json, csv or xlsx")
    page = LISTERS[kind](
        listing.pg, listing.scope, listing.query, limit, cursor, settings=listing.settings
    )
    body = {kind: page.rows, "next_cursor": page.next_cursor}
    return Response(orjson.dumps(body), media_type="application/json")


def _export_route(kind: str, fmt: str, listing: Callable[..., Listing]) -> Callable[..., Response]:
    def export(listing: Listing = Depends(listing), lang: Lang = "en") -> Response:
        return _download(kind, listing, fmt, lang)

    export.__doc__ = (
        f"Every row of `GET /v1/{kind}` with the same filters, as {fmt.upper()}: headers"
        " in English and Chinese (`lang=zh` puts Chinese first), units (s) and the client's"
        f" timezone in the headers. At most `CALLPULSE_MAX_EXPORT_ROWS` rows; more is 400."
    )
    return export


for _kind, _listing in LISTINGS.items():
    for _fmt in MEDIA_TYPES:
        router.add_api_route(
            f"/{_kind}.{_fmt}",
            _export_route(_kind, _fmt, _listing),
            methods=["GET"],
            response_class=Response,
            name=f"{_kind}_{_fmt}",
            summary=f"Listed {_kind} as {_fmt.upper()}",
        )


def _list_route(kind: str, listing: Callable[..., Listing]) -> Callable[..., Response]:
    def answer(
        listing: Listing = Depends(listing),
        limit: Limit = 100,
        cursor: Cursor = None,
        format: Format = None,
        lang: Lang = "en",
    ) -> Response:
        return _answer(kind, listing, limit, cursor, format, lang)

    answer.__doc__ = LIST_DOCS[kind]
    return answer


LIST_DOCS = {
    "calls": """The calls behind a figure: `{"calls": [...], "next_cursor": "…" | null}`.

    Calls offered in `[from, to)` (local dates or RFC 3339, as `/v1/metrics`) in the queue,
    or in the client's queues the key may read; a vendor key sees its own vendor's calls.
    `outcome` lists exactly the calls its `/v1/metrics` component counts (`answered`
    includes calls still talking, listed as `in_progress`); `sl=met|missed` under the
    queue's threshold and formula (`sl_met` is null for calls outside its denominator);
    `callback=met|missed` the callback requests called back within the queue's
    callback_within_min, or due (deadline passed or called back) and not: together the
    callbacks due of `callback_timeliness`, counted by the request's offered_at;
    `waiting` is what the live view counts, `wait_s` then the wait so far. Rows are in
    offered order, times in the client's timezone; page with `next_cursor` until null.
    """,
    "tickets": """The tickets behind a figure: `{"tickets": [...], "next_cursor": "…" | null}`.

    Tickets created in `[from, to)`; `frt`/`resolution` = met | missed against the channel's
    targets as the SLA counts them (not yet responded is missed); `open=true` unresolved.
    Rows in created order, times in the client's timezone; page with `next_cursor`.
    """,
    "qa-evaluations": """The QA evaluations (质检) behind a QA figure:
    `{"qa-evaluations": [...], "next_cursor": "…" | null}`.

    Evaluations made in `[from, to)` (local dates or RFC 3339, as `/v1/metrics`) of
    contacts in the queue, or in the client's queues the key may read; a vendor key sees
    the evaluations of its own contacts (`vendor=` narrows, never widens). Their count is
    `qa_evaluated`, their `fatal_errors`, `non_fatal_errors` and `score` sum to the
    components of `fatal_accuracy`, `non_fatal_accuracy` and `qa_score` for the same scope
    and range. Rows in evaluated order, times in the client's timezone; page with
    `next_cursor`.
    """,
}
for _kind, _listing in LISTINGS.items():
    router.add_api_route(
        f"/{_kind}",
        _list_route(_kind, _listing),
        methods=["GET"],
        response_class=Response,
        name=f"list_{_kind}",
        summary=f"The {_kind} behind a figure",
    )
