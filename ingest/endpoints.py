"""`POST /v1/calls`, `/v1/call-events`, `/v1/agent-events`, `/v1/tickets`, `/v1/schedules`."""

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from app.access.auth import require_kind
from app.access.keys import Principal
from app.core.errors import ClientGone, PayloadTooLarge
from app.core.metrics import count_ingest
from ingest.body import inflate, parse_body
from ingest.kinds import KINDS
from ingest.raw import RawRecord
from ingest.schemas import ScheduleRecord
from ingest.service import IngestResult

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["ingest"])
vendor_key = require_kind("vendor")


class Rejection(BaseModel):
    """A record that was not accepted, and why."""

    index: int
    id: str | None
    errors: list[str]


class IngestResponse(BaseModel):
    """What happened to each record of the batch."""

    accepted: int
    duplicates: int
    rejected: list[Rejection]


async def read_body(request: Request, max_bytes: int) -> bytes:
    """Read the body (gzip inflated), refusing it with 413 as soon as it passes `max_bytes`."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(
            f"body of {declared} bytes; the limit is {max_bytes}: split the batch"
        )
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise PayloadTooLarge(f"body over {max_bytes} bytes: split the batch")
            chunks.append(chunk)
    except ClientDisconnect:
        raise ClientGone("the client hung up while sending the body; nothing was written") from None
    return inflate(b"".join(chunks), request.headers.get("content-encoding"), max_bytes)


async def ingest(kind: str, request: Request, principal: Principal) -> dict[str, Any]:
    """Parse the body and hand it to the ingest service in a worker thread.

    Work whose client has hung up meanwhile is dropped before the write starts.
    """
    settings = request.app.state.settings
    body = await read_body(request, settings.max_body_bytes)
    content_type = request.headers.get("content-type")
    fields = KINDS[kind].schema.model_fields
    records = parse_body(body, content_type, settings.max_batch_records, fields)
    if await request.is_disconnected():
        log.info("dropped %d %s records: the client hung up before the write", len(records), kind)
        raise ClientGone("the client hung up before the write; nothing was written")
    service = request.app.state.ingest_service
    result = await run_in_threadpool(service.ingest, kind, principal.vendor_id, records)
    count_ingest(kind, KINDS[kind].schema.model_fields, result)
    return result.as_json()


def body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """Return the OpenAPI request body of an ingest route: one record of `model`, a JSON array
    of them, NDJSON or CSV."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"anyOf": [schema, {"type": "array", "items": schema}]}
                },
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    }


_DOC = (
    " Send one JSON object, a JSON array, NDJSON (`application/x-ndjson`) or CSV (`text/csv`,"
    " header = field names). Records upsert: a retry or replay is safe and counts as a"
    " duplicate; a bad record is reported by index and kept in `rejected_records`, and never"
    " sinks its batch. Needs a vendor key; the queue must be served by that vendor."
)


async def write_posted(
    request: Request,
    kind: str,
    model: type[BaseModel],
    write: Callable[[list[RawRecord]], IngestResult],
) -> Any:
    """Read and parse a post of `model` records, `write` them in a worker thread, count them.

    For the routes with a service of their own (QA evaluations, schedules, forecasts); a
    client that hung up before the write gets nothing written.
    """
    settings = request.app.state.settings
    body = await read_body(request, settings.max_body_bytes)
    fields = model.model_fields
    records = parse_body(
        body, request.headers.get("content-type"), settings.max_batch_records, fields
    )
    if await request.is_disconnected():
        log.info("dropped %d %s: the client hung up before the write", len(records), kind)
        raise ClientGone("the client hung up before the write; nothing was written")
    result = await run_in_threadpool(write, records)
    count_ingest(kind, fields, result)
    return result.as_json()


ROUTES = {
    "calls": "Push call detail records, complete or partial.",
    "call-events": "Push call events (offered, answered, abandoned, ended, acw_done) in any order.",
    "agent-events": "Push agent state changes.",
    "tickets": "Push e-mail, chat, web, social and SMS tickets.",
}


def _add_route(kind: str, summary: str) -> None:
    async def endpoint(request: Request, principal: Principal = Depends(vendor_key)) -> Any:
        return await ingest(kind, request, principal)

    endpoint.__doc__ = summary + _DOC
    router.add_api_route(
        f"/{kind}",
        endpoint,
        methods=["POST"],
        name=f"post_{kind.replace('-', '_')}",
        summary=summary.rstrip("."),
        response_model=IngestResponse,
        openapi_extra=body_doc(KINDS[kind].schema),
    )


for _kind, _summary in ROUTES.items():
    _add_route(_kind, _summary)


SCHEDULES = "schedules"
_SCHEDULE_SUMMARY = (
    "Push agents' schedules (排班): each segment replaces the agent's schedule over its"
    " [start, end); stored segments overlapping it are cut at its edges or removed, time no"
    " posted segment covers keeps its schedule. Segments of one agent in one post that overlap"
    " each other are rejected by name."
)


@router.post(
    f"/{SCHEDULES}",
    name="post_schedules",
    summary="Push agents' schedules",
    response_model=IngestResponse,
    openapi_extra=body_doc(ScheduleRecord),
)
async def post_schedules(request: Request, principal: Principal = Depends(vendor_key)) -> Any:
    service = request.app.state.schedule_service
    return await write_posted(
        request,
        SCHEDULES,
        ScheduleRecord,
        lambda records: service.ingest(principal.vendor_id, records),
    )


post_schedules.__doc__ = _SCHEDULE_SUMMARY + _DOC.replace(
    " Records upsert: a retry or replay is safe and counts as a duplicate;",
    " A replayed segment already stored counts as a duplicate;",
)
