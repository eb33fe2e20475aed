"""`GET /v1/alerts`, `POST /v1/alerts/{id}/ack`, `POST /v1/alerts/{id}/resolve`."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from app.access.auth import current_principal, require_kind
from app.access.keys import Principal
from app.alerts import service
from app.core.db import get_session

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])
responder = require_kind("supervisor", "admin", "client")


@router.get("")
def list_alerts(
    state: Annotated[str | None, Query(description="open | acknowledged | resolved")] = None,
    queue: str | None = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """List alerts on the queues this key may see, newest first."""
    return {"alerts": service.list_alerts(session, principal, state, queue)}


@router.post("/{alert_id}/ack")
def acknowledge(
    alert_id: int,
    principal: Principal = Depends(responder),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Acknowledge an open alert (确认); the response time is acknowledged − opened."""
    return service.acknowledge(session, principal, alert_id)


@router.post("/{alert_id}/resolve")
def resolve(
    alert_id: int,
    principal: Principal = Depends(responder),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Resolve an alert by hand (it also resolves by itself once the metric recovers)."""
    return service.resolve(session, principal, alert_id)
