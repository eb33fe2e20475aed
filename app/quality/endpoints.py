"""`GET /v1/feeds/quality`: what each vendor's feed delivered per local day, and how well."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from app.access.auth import current_principal
from app.access.keys import Principal
from app.core.db import get_session
from app.core.errors import AppError
from app.quality.measures import RECORD_KINDS
from app.quality.service import feed_quality

router = APIRouter(prefix="/v1", tags=["feeds"])
PARAMETERS = ("client", "vendor", "from", "to", "kind")
DEFAULT_DAYS = 7


@router.get("/feeds/quality")
def get_feed_quality(
    request: Request,
    client: Annotated[str | None, Query(description="client code")] = None,
    vendor: Annotated[str | None, Query(description="vendor code")] = None,
    start: Annotated[
        str | None, Query(alias="from", description="first local day, e.g. 2026-11-01")
    ] = None,
    to: Annotated[str | None, Query(description="day after the last (exclusive)")] = None,
    kind: Annotated[str | None, Query(description=" | ".join(RECORD_KINDS))] = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Feed quality per vendor and local day of the client: one row per (client, vendor, day).

    Give `client=`, `vendor=` or both; `from`/`to` are dates (`to` exclusive; default the
    last 7 days, today included). Each row: records `accepted`, `duplicates`, `rejected` and
    `rejected_by_reason` (by the field the first error names), counted on the day they were
    received (a resent record counts again); `lateness_p50_s`, `lateness_p95_s`,
    `lateness_max_s` of the accepted records (received − the latest time the record states;
    quantiles to the second below 60 s, coarser above: see `lateness_resolution`);
    `unended_calls`, calls offered that day still without an end `waiting_horizon_s` after
    their offer; `silent_intervals` of the `service_intervals` (intervals wholly inside
    the queues' service hours that have ended) without a call offered by the vendor, with
    `silent_by_queue`. Records refused before their client was known are rows with
    `"client": null`, on UTC days, shown to the vendor's key and admins when no client is
    named. `kind=` limits the record counts to one record kind. QA evaluations (a vendor
    key's) and schedule segments count like calls, without lateness: an evaluation follows
    its contact by design and a schedule is published ahead.
    """
    unknown = [name for name in request.query_params if name not in PARAMETERS]
    if unknown:
        raise AppError(f"{unknown[0]}: unknown parameter; use {', '.join(PARAMETERS)}")
    if not client and not vendor:
        raise AppError("client: give client=CODE, vendor=CODE or both")
    if kind is not None and kind not in RECORD_KINDS:
        raise AppError(f"kind: {kind!r} is not a record kind; use {', '.join(RECORD_KINDS)}")
    end = _date(to, "to") if to else datetime.now(UTC).date() + timedelta(days=1)
    first = _date(start, "from") if start else end - timedelta(days=DEFAULT_DAYS)
    if end <= first:
        raise AppError("to: must be after from")
    return feed_quality(
        session,
        principal,
        request.app.state.settings,
        client=client,
        vendor=vendor,
        first=first,
        end=end,
        kind=kind,
    )


def _date(value: str, name: str) -> date:
    """Read a plain ISO date; a timestamp is refused (the figures are per local day)."""
    problem = AppError(f"{name}: {value!r} is not a date like 2026-11-01 (figures are per day)")
    if len(value) != 10:
        raise problem
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise problem from exc
