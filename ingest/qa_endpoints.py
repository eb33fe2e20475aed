"""`POST /v1/qa-evaluations`: QA evaluations (质检) of calls and tickets."""

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from app.access.auth import require_kind
from app.access.keys import Principal
from app.core.errors import ClientGone
from app.core.metrics import count_ingest
from app.models.qa import MAX_ERRORS_PER_EVALUATION
from ingest.body import parse_body
from ingest.endpoints import IngestResponse, body_doc, read_body
from ingest.qa_schema import QaEvaluationRecord
from ingest.qa_service import QA_KIND

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["ingest"])
evaluator_key = require_kind("vendor", "client")
PATH = f"/{QA_KIND}"


@router.post(
    PATH,
    name="post_qa_evaluations",
    summary="Push QA evaluations (质检) of calls and tickets",
    response_model=IngestResponse,
    openapi_extra=body_doc(QaEvaluationRecord),
)
async def post_qa_evaluations(
    request: Request, principal: Principal = Depends(evaluator_key)
) -> Any:
    settings = request.app.state.settings
    body = await read_body(request, settings.max_body_bytes)
    fields = QaEvaluationRecord.model_fields
    records = parse_body(
        body, request.headers.get("content-type"), settings.max_batch_records, fields
    )
    if await request.is_disconnected():
        log.info("dropped %d QA evaluations: the client hung up before the write", len(records))
        raise ClientGone("the client hung up before the write; nothing was written")
    service = request.app.state.qa_ingest_service
    result = await run_in_threadpool(service.ingest, principal, records)
    count_ingest(QA_KIND, fields, result)
    return result.as_json()


post_qa_evaluations.__doc__ = (
    "Each evaluation names the evaluated call (`call_id`) or ticket (`ticket_id`), exactly one,"
    " of the queue given; it counts for the vendor that handled that contact. Send one JSON"
    " object, a JSON array, NDJSON or CSV (`items` as JSON text). Idempotent per client and"
    " `evaluation_id`: a replay is a duplicate, a changed evaluation replaces the stored one."
    f" At most {MAX_ERRORS_PER_EVALUATION} fatal and {MAX_ERRORS_PER_EVALUATION} non-fatal"
    " errors per evaluation. A bad record is reported by index and kept in `rejected_records`."
    " A vendor key evaluates its own contacts on queues it serves; a client key (the client's"
    " QA team) any contact of its own queues."
)
