"""`POST /v1/feeds/{name}`: a body in the source's own format, through the feed's adapter."""

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.access.auth import require_kind, webhook_principal
from app.access.keys import Principal
from app.core.errors import AppError, ClientGone, PayloadTooLarge, UnsupportedMediaType
from app.core.metrics import count_feed
from ingest.adapters.base import Item, SourceRejected
from ingest.body import media_type
from ingest.endpoints import IngestResponse, read_body
from ingest.feed_service import ReadyFeed, vendor_feed
from ingest.feeds import ingest_items

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["ingest"])
feed_vendor_key = require_kind("vendor", reads_key=webhook_principal)

_TEXT = {"schema": {"type": "string"}}
BODY_DOC: dict[str, Any] = {
    "security": [{"apiKey": []}],
    "requestBody": {
        "required": True,
        "description": "The source's own records; the Content-Type must be one the feed's"
        " format reads (415 names them).",
        "content": {
            "text/plain": _TEXT,
            "text/csv": _TEXT,
            "application/json": {"schema": {}},
            "application/x-ndjson": _TEXT,
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "additionalProperties": {"type": "string"}}
            },
        },
    },
}


@router.post(
    "/feeds/{name}",
    name="post_feed",
    summary="Push a feed's records in its source's own format",
    response_model=IngestResponse,
    responses={204: {"description": "Taken (formats whose sender expects no body: Twilio)."}},
    openapi_extra=BODY_DOC,
)
async def post_feed(
    name: str, request: Request, principal: Principal = Depends(feed_vendor_key)
) -> Response:
    """Send what the vendor's system writes — an Asterisk queue_log, Amazon Connect contact
    records, a CSV export, a Twilio callback — to the feed declared under `feeds:` in the
    YAML. The feed's adapter turns each source record into calls, call events, agent events
    or tickets, which upsert exactly as on the v1 routes: a replay counts as duplicates.
    `index` in `rejected` is the 1-based line (text) or element (JSON array) of the source;
    a source record is rejected if any record it made was refused, accepted if any was
    written, else a duplicate. Needs the feed's vendor key, as a bearer token or as the
    password of HTTP Basic auth (webhooks).
    """
    settings = request.app.state.settings
    database = request.app.state.database
    feed = await run_in_threadpool(vendor_feed, database, name, principal.vendor_id)
    content_type = request.headers.get("content-type")
    if media_type(content_type) not in feed.adapter.media_types:
        raise UnsupportedMediaType(
            f"Content-Type {media_type(content_type)!r} is not read by feed {name!r} (format"
            f" {feed.config.format}): send {' or '.join(feed.adapter.media_types)}"
        )
    body = await read_body(request, settings.max_body_bytes)
    items = await run_in_threadpool(_parse, feed, body, content_type, settings.max_batch_records)
    if await request.is_disconnected():
        log.info("dropped %d feed items: the client hung up before the write", len(items))
        raise ClientGone("the client hung up before the write; nothing was written")
    service = request.app.state.ingest_service
    result = await run_in_threadpool(
        ingest_items, service, feed.vendor_id, items, feed.max_age_days, name
    )
    count_feed(feed.config.format, result)
    if feed.adapter.status_code == 204:
        return Response(status_code=204)
    return JSONResponse(result.as_json(), status_code=feed.adapter.status_code)


def _parse(feed: ReadyFeed, body: bytes, content_type: str | None, max_records: int) -> list[Item]:
    """Parse a body with the feed's adapter; refuse it whole when it cannot be read at all."""
    try:
        items = feed.adapter.parse(body, content_type, feed.config)
    except SourceRejected as exc:
        raise AppError(f"body cannot be read as {feed.config.format}: {exc}") from exc
    records = len({item.index for item in items})
    if records > max_records:
        raise PayloadTooLarge(
            f"{records} source records in one request; the limit is {max_records}: split it"
        )
    return items
