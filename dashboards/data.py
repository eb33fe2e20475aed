"""The only module of the pages that reads data, always through the app's own services."""

from datetime import datetime, time
from typing import Any

from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.access.scope import client_scope, queue_scope, queue_scopes
from app.alerts import service as alerts
from app.contracts.choices import contract_codes_in_force, readable_clients
from app.contracts.downloads import render_export
from app.contracts.service import sla_report
from app.core.config import Settings
from app.core.db import Database, driver_connection
from app.kpi.live import queues_live
from app.kpi.service import metrics_series
from app.kpi.targets import queue_targets


def snapshot(database: Database, settings: Settings, principal: Principal) -> dict[str, Any]:
    """Return the live state of every queue the principal may see, and its active alerts."""
    with database.session_scope() as session:
        scopes = queue_scopes(session, principal)
        no_client = principal.client_id is None  # may see a vendor's rejections of no client
        lives = queues_live(driver_connection(session), scopes, settings, no_client)
        active = alerts.active_alerts(session, principal)
    return {"queues": lives, "alerts": active}


def acknowledge(database: Database, principal: Principal, alert_id: int) -> None:
    """Acknowledge an alert as this principal (the same rules as the API)."""
    with database.session_scope() as session:
        alerts.acknowledge_if_open(session, principal, alert_id)


def today_by_interval(
    database: Database, settings: Settings, principal: Principal, queue_code: str
) -> tuple[list[dict[str, Any]], float | None, str]:
    """Return today's KPI rows per interval for one queue, in its client's timezone, the
    queue's service-level target, and that timezone."""
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
            max_rows=settings.max_metric_rows,
        )
    return list(rows), target, str(scope.timezone)


def sla_clients(database: Database, principal: Principal) -> list[dict[str, str]]:
    """Return the clients whose SLA the principal may read: code, name and timezone."""
    with database.session_scope() as session:
        return readable_clients(session, principal)


def sla_view(
    database: Database, principal: Principal, client: str, period: str, contract: str | None
) -> dict[str, Any]:
    """Return the SLA report as `/v1/sla` answers it, the period's alerts, and the time now.

    A contract that is not in force for this client and period is dropped, and with several
    in force and none named the first is shown: a page always has something to show.
    """
    with database.session_scope() as session:
        contract = _contract_to_show(session, principal, client, period, contract)
        report = sla_report(session, principal, client, period, contract)
        scope = client_scope(session, principal, client)
        queue_ids = [q.id for q in scope.queues if q.code in report["queues"]]
        opened = alerts.alerts_opened(
            session,
            principal,
            queue_ids,
            datetime.fromisoformat(report["period"]["start"]),
            datetime.fromisoformat(report["period"]["end"]),
        )
    return {"report": report, "alerts": opened, "as_of": report["as_of"]}


def sla_export(
    database: Database,
    principal: Principal,
    client: str,
    period: str,
    contract: str | None,
    fmt: str,
    lang: str,
) -> tuple[bytes, str, str]:
    """Return an SLA export as `/v1/sla/{client}.{fmt}` does: its bytes, type and file name."""
    with database.session_scope() as session:
        report = sla_report(session, principal, client, period, contract)
    return render_export(report, fmt, lang)


def _contract_to_show(
    session: Session, principal: Principal, client: str, period: str, contract: str | None
) -> str | None:
    codes = contract_codes_in_force(session, principal, client, period)
    if codes is None:
        return contract  # the report says what is wrong with the period
    if contract in codes:
        return contract
    return codes[0] if codes else None
