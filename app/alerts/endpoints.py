"""`GET /v1/alerts`, `POST /v1/alerts/{id}/ack`, `POST /v1/alerts/{id}/resolve`."""

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.auth import current_principal, require_kind
from app.access.keys import Principal
from app.access.scope import visible_queue_ids
from app.core.db import get_session
from app.core.errors import AppError, NotFound
from app.models import Alert, AlertRule, ApiKey, Client, Queue

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])
responder = require_kind("supervisor", "admin", "client")


def list_alert_rows(session: Session, principal: Principal, *where: Any) -> list[dict[str, Any]]:
    query = (
        select(Alert, AlertRule, Queue, Client)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .join(Queue, Queue.id == Alert.queue_id)
        .join(Client, Client.id == Alert.client_id)
        .where(Alert.queue_id.in_(visible_queue_ids(session, principal)), *where)
        .order_by(Alert.opened_at.desc())
        .limit(500)
    )

    def local(moment: datetime | None, tz: str) -> str | None:
        return moment.astimezone(ZoneInfo(tz)).isoformat() if moment else None

    return [
        {
            "id": a.id,
            "state": a.state,
            "rule": r.name,
            "severity": r.severity,
            "client": c.code,
            "queue": q.code,
            "metric": r.metric,
            "op": r.op,
            "value": a.last_value,
            "opened_value": a.value,
            "threshold": a.threshold,
            "opened_at": local(a.opened_at, c.timezone),
            "acknowledged_at": local(a.acknowledged_at, c.timezone),
            "acknowledged_by": a.acknowledged_by,
            "resolved_at": local(a.resolved_at, c.timezone),
            "resolved_by": a.resolved_by,
            "escalated_at": local(a.escalated_at, c.timezone),
            "response_s": (a.acknowledged_at - a.opened_at).total_seconds()
            if a.acknowledged_at
            else None,
        }
        for a, r, q, c in session.execute(query).all()
    ]


@router.get("")
def list_alerts(
    state: Annotated[str | None, Query(description="open | acknowledged | resolved")] = None,
    queue: str | None = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """List alerts on the queues this key may see, newest first."""
    where = []
    if state:
        if state not in ("open", "acknowledged", "resolved"):
            raise AppError("state: use open, acknowledged or resolved")
        where.append(Alert.state == state)
    if queue:
        where.append(Queue.code == queue)
    return {"alerts": list_alert_rows(session, principal, *where)}


def change_alert(session: Session, principal: Principal, alert_id: int, to: str) -> dict[str, Any]:
    alert = session.get(Alert, alert_id)
    if alert is None or alert.queue_id not in visible_queue_ids(session, principal):
        raise NotFound(f"unknown alert {alert_id}")
    who = (
        principal.name
        or session.scalar(select(ApiKey.name).where(ApiKey.id == principal.key_id))
        or f"{principal.kind} key #{principal.key_id}"
    )
    now = datetime.now(UTC)
    if alert.state == "resolved":
        raise AppError(f"alert {alert_id} is already resolved", 409)
    if to == "acknowledged" and alert.state == "open":
        alert.state, alert.acknowledged_at, alert.acknowledged_by = to, now, who
    elif to == "resolved":
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by = now, who
        alert.state, alert.resolved_at, alert.resolved_by = to, now, who
    session.flush()
    return list_alert_rows(session, principal, Alert.id == alert_id)[0]


@router.post("/{alert_id}/ack")
def acknowledge(
    alert_id: int,
    principal: Principal = Depends(responder),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Acknowledge an open alert (确认); the response time is acknowledged − opened."""
    return change_alert(session, principal, alert_id, "acknowledged")


@router.post("/{alert_id}/resolve")
def resolve(
    alert_id: int,
    principal: Principal = Depends(responder),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Resolve an alert by hand (it also resolves by itself once the metric recovers)."""
    return change_alert(session, principal, alert_id, "resolved")
