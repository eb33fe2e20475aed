"""`GET /v1/audit`: the audit log, read as the caller's role allows."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from app.access.auth import current_principal
from app.access.keys import Principal
from app.audit import service
from app.core.cursor import MAX_PAGE
from app.core.db import get_session

router = APIRouter(prefix="/v1", tags=["audit"])


@router.get("/audit")
def list_audit(
    client: Annotated[str | None, Query(description="client code")] = None,
    contract: Annotated[str | None, Query(description="contract code")] = None,
    action: Annotated[
        str | None,
        Query(description=" | ".join(service.ACTIONS + service.FAMILIES)),
    ] = None,
    period: Annotated[
        str | None, Query(description="a period as written, e.g. 2026-11: its closes and disputes")
    ] = None,
    start: Annotated[str | None, Query(alias="from", description="date or RFC 3339")] = None,
    to: Annotated[str | None, Query(description="exclusive; date or RFC 3339")] = None,
    limit: Annotated[int, Query(description=f"1 to {MAX_PAGE}")] = 100,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Audit entries, newest first: who (role), when, what, before/after.

    Admins read every entry; a client key or user its client's; a vendor key or a vendor's
    supervisor its vendor's. Dates are read in the client's timezone (else UTC).
    """
    query = service.AuditQuery(client, contract, action, start, to, period)
    return service.list_entries(session, principal, query, limit, cursor)
