"""The responder's side of the alert lifecycle (app/alerts/service.py) on real PostgreSQL."""

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.access.keys import Principal, create_key, principal_for
from app.alerts import repository, service
from app.core.db import Database
from app.core.errors import AppError, NotFound
from app.models import Alert, AlertRule, Queue
from tests.factories import Tenant, make_tenant

OPENED_AT = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)  # 09:30 in the client's Asia/Shanghai


def open_alert(database: Database, queue_code: str, opened_at: datetime = OPENED_AT) -> int:
    """Open a service-level alert on a queue, as the evaluator would; return its id."""
    with database.session_scope() as session:
        queue = session.scalars(select(Queue).where(Queue.code == queue_code)).one()
        rule = AlertRule(  # on this queue only: the evaluator of other tests runs it too
            name=f"sl-{secrets.token_hex(4)}",
            queue_ids=[queue.id],
            metric="service_level",
            op="<",
            threshold=0.8,
            severity="critical",
        )
        session.add(rule)
        session.flush()
        alert = Alert(
            client_id=queue.client_id,
            queue_id=queue.id,
            rule_id=rule.id,
            state="open",
            value=0.5,
            last_value=0.55,
            threshold=0.8,
            opened_at=opened_at,
        )
        session.add(alert)
        session.flush()
        return alert.id


def principal(database: Database, kind: str, tenant: Tenant, name: str = "") -> Principal:
    """Create a key of `kind` scoped to the tenant and return its principal."""
    scope = {"client_code": tenant.client} if kind == "client" else {"vendor_code": tenant.vendor}
    with database.session_scope() as session:
        key = create_key(session, kind, name=name, **scope)
        found = principal_for(session, key)
    assert found is not None
    return found


def stored(database: Database, alert_id: int) -> tuple[str, str | None, str | None]:
    with database.session_scope() as session:
        alert = repository.alert_by_id(session, alert_id)
        assert alert is not None
        return alert.state, alert.acknowledged_by, alert.resolved_by


def test_acknowledge_twice_changes_the_alert_once(database, tenant):
    alert_id = open_alert(database, tenant.queue)
    responder = principal(database, "supervisor", tenant, name="Li Wei")
    with database.session_scope() as session:
        first = service.acknowledge(session, responder, alert_id)
    with database.session_scope() as session:
        second = service.acknowledge(session, responder, alert_id)

    assert first["state"] == "acknowledged" and first["acknowledged_by"] == "Li Wei"
    assert first["opened_at"] == "2026-11-20T09:30:00+08:00"
    assert (
        first["response_s"]
        == (datetime.fromisoformat(first["acknowledged_at"]) - OPENED_AT).total_seconds()
    )
    assert (first["value"], first["opened_value"], first["threshold"]) == (0.55, 0.5, 0.8)
    assert second == first  # the second acknowledgement keeps the first one's time and name
    assert stored(database, alert_id) == ("acknowledged", "Li Wei", None)


def test_resolve_acknowledges_too_then_the_alert_stays_resolved(database, tenant):
    alert_id = open_alert(database, tenant.queue)
    responder = principal(database, "client", tenant)
    with database.session_scope() as session:
        done = service.resolve(session, responder, alert_id)
    label = f"client key #{responder.key_id}"  # an unnamed key is named by kind and id

    assert done["state"] == "resolved"
    assert done["acknowledged_by"] == done["resolved_by"] == label
    assert done["acknowledged_at"] == done["resolved_at"] is not None
    for change in (service.acknowledge, service.resolve):
        with (
            pytest.raises(AppError, match=f"alert {alert_id} is already resolved") as raised,
            database.session_scope() as session,
        ):
            change(session, responder, alert_id)
        assert raised.value.status_code == 409
    with database.session_scope() as session:
        service.acknowledge_if_open(session, responder, alert_id)  # a late wallboard click
    assert stored(database, alert_id) == ("resolved", label, label)


def test_an_unknown_alert_is_not_found(database, tenant):
    responder = principal(database, "client", tenant)
    with database.session_scope() as session:
        missing = session.scalar(select(Alert.id).order_by(Alert.id.desc()).limit(1)) or 0
    for change in (service.acknowledge, service.resolve):
        with (
            pytest.raises(NotFound, match=f"unknown alert {missing + 1000}"),
            database.session_scope() as session,
        ):
            change(session, responder, missing + 1000)
    with database.session_scope() as session:
        service.acknowledge_if_open(session, responder, missing + 1000)  # a stale wallboard tile


def test_another_tenants_alert_is_not_found_and_not_listed(database, tenant):
    alert_id = open_alert(database, tenant.queue)
    stranger = make_tenant(database)
    outsider = principal(database, "client", stranger)
    for change in (service.acknowledge, service.resolve, service.acknowledge_if_open):
        with (
            pytest.raises(NotFound, match=f"unknown alert {alert_id}"),
            database.session_scope() as session,
        ):
            change(session, outsider, alert_id)
    assert stored(database, alert_id) == ("open", None, None)
    with database.session_scope() as session:
        assert alert_id not in {a["id"] for a in service.list_alerts(session, outsider)}
        mine = service.list_alerts(session, principal(database, "client", tenant))
        assert alert_id in {a["id"] for a in mine}


def test_lists_narrow_by_state_queue_and_period(database, tenant):
    minute = timedelta(minutes=1)
    on_queue = open_alert(database, tenant.queue)
    on_shared = open_alert(database, tenant.shared_queue, OPENED_AT + minute)
    reader = principal(database, "client", tenant)
    with database.session_scope() as session:
        service.resolve(session, reader, on_shared)

    def ids(alerts: list[dict]) -> list[int]:
        return [a["id"] for a in alerts if a["id"] in (on_queue, on_shared)]

    with database.session_scope() as session:
        assert ids(service.list_alerts(session, reader)) == [on_shared, on_queue]  # newest first
        assert ids(service.list_alerts(session, reader, "open")) == [on_queue]
        assert ids(service.list_alerts(session, reader, "resolved")) == [on_shared]
        assert ids(service.list_alerts(session, reader, queue=tenant.shared_queue)) == [on_shared]
        assert ids(service.active_alerts(session, reader)) == [on_queue]
        shared_id = session.scalar(select(Queue.id).where(Queue.code == tenant.shared_queue))
        window = (OPENED_AT, OPENED_AT + minute)  # [start, end): the shared one opens at the end
        assert ids(service.alerts_opened(session, reader, [shared_id], *window)) == []
        window = (OPENED_AT + minute, OPENED_AT + 2 * minute)
        assert ids(service.alerts_opened(session, reader, [shared_id], *window)) == [on_shared]
        with pytest.raises(AppError, match="state: use open, acknowledged or resolved"):
            service.list_alerts(session, reader, "closed")
