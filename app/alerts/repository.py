"""SQL of the alerts a responder reads and changes: `/v1/alerts`, the wallboard, the SLA page."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.models import Alert, AlertRule, Client, Queue

LISTED = 500  # alerts in one list, newest first


def alert_rows(
    session: Session,
    visible: Collection[int],
    *,
    state: str | None = None,
    active: bool = False,
    queue_code: str | None = None,
    queue_ids: Collection[int] | None = None,
    alert_id: int | None = None,
    opened_from: datetime | None = None,
    opened_before: datetime | None = None,
) -> list[tuple[Alert, AlertRule, Queue, Client]]:
    """Return alerts on the `visible` queues with their rule, queue and client, newest first.

    Each other argument, when given, narrows the list: one state, or `active` (not resolved),
    one queue by code, some queues by id, one alert, opened in `[opened_from, opened_before)`.
    """
    where: list[ColumnElement[bool]] = [Alert.queue_id.in_(visible)]
    if state is not None:
        where.append(Alert.state == state)
    if active:
        where.append(Alert.state != "resolved")
    if queue_code is not None:
        where.append(Queue.code == queue_code)
    if queue_ids is not None:
        where.append(Alert.queue_id.in_(queue_ids))
    if alert_id is not None:
        where.append(Alert.id == alert_id)
    if opened_from is not None:
        where.append(Alert.opened_at >= opened_from)
    if opened_before is not None:
        where.append(Alert.opened_at < opened_before)
    query = (
        select(Alert, AlertRule, Queue, Client)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .join(Queue, Queue.id == Alert.queue_id)
        .join(Client, Client.id == Alert.client_id)
        .where(*where)
        .order_by(Alert.opened_at.desc())
        .limit(LISTED)
    )
    return [(alert, rule, queue, client) for alert, rule, queue, client in session.execute(query)]


def alert_by_id(session: Session, alert_id: int) -> Alert | None:
    """Return one alert, or None when there is no such id.

    Alerts are keyed `(client_id, id)` (distributed by client): the id alone finds one row."""
    return session.scalars(select(Alert).where(Alert.id == alert_id)).one_or_none()
