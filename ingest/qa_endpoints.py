"""`POST /v1/qa-evaluations`: QA evaluations (质检) of calls and tickets."""

from typing import Any

from fastapi import APIRouter, Depends, Request

from app.access.auth import require_kind
from app.access.keys import Principal
from app.models.qa import MAX_ERRORS_PER_EVALUATION
from ingest.endpoints import IngestResponse, body_doc, write_posted
from ingest.qa_schema import QaEvaluationRecord
from ingest.qa_service import QA_KIND

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
    service = request.app.state.qa_ingest_service
    return await write_posted(
        request, QA_KIND, QaEvaluationRecord, lambda records: service.ingest(principal, records)
    )


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
