"""The only module of the pages that reads data, always through the app's own services."""

from datetime import datetime, time
from typing import Any

from sqlalchemy import select

from app.access.keys import Principal
from app.access.scope import queue_scope, queue_scopes
from app.alerts.endpoints import change_alert, list_alert_rows
from app.core.config import Settings
from app.core.db import Database, driver_connection
from app.kpi.live import queues_live
from app.kpi.service import metrics_series
from app.models import Alert
from app.tenancy.targets import queue_targets


def snapshot(database: Database, settings: Settings, principal: Principal) -> dict[str, Any]:
    """Return the live state of every queue the principal may see, and its active alerts."""
    with database.session_scope() as session:
        lives = queues_live(driver_connection(session), queue_scopes(session, principal), settings)
        alerts = list_alert_rows(session, principal, Alert.state != "resolved")
    return {"queues": lives, "alerts": alerts}


def acknowledge(database: Database, principal: Principal, alert_id: int) -> None:
    """Acknowledge an alert as this principal (the same rules as the API)."""
    with database.session_scope() as session:
        if session.scalar(select(Alert.state).where(Alert.id == alert_id)) == "open":
            change_alert(session, principal, alert_id, "acknowledged")


def today_by_interval(
    database: Database, settings: Settings, principal: Principal, queue_code: str
) -> tuple[list[dict[str, Any]], float | None]:
    """Return today's KPI rows per interval for one queue, in its client's timezone, and
    the queue's service-level target."""
    with database.session_scope() as session:
        scope = queue_scope(session, principal, queue_code)
        now = datetime.now(scope.timezone)
        target = queue_targets(scope.queues[0].targets, settings)["service_level"].min
        rows = metrics_series(
            driver_connection(session),
            scope,
            start=datetime.combine(now.date(), time(), scope.timezone),
            end=now,
            granularity="interval",
            by=None,
            interval_minutes=settings.interval_minutes,
            queue_level=True,
            agent_codes={},
        )
    return rows, target
