"""An evaluation pass's writes (app/alerts/repository.py): all the alerts it opens in one
statement, all those it moves in another, on real PostgreSQL."""

import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import select

from app.access.keys import create_key, principal_for
from app.alerts import repository, service
from app.core.db import Database, driver_connection
from app.models import AlertRule, Queue
from tests.factories import Tenant

NOW = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)


def queue_ids(database: Database, *codes: str) -> dict[str, tuple[int, int]]:
    """Return (client id, queue id) by queue code."""
    with database.session_scope() as session:
        rows = session.execute(
            select(Queue.code, Queue.client_id, Queue.id).where(Queue.code.in_(codes))
        )
        return {code: (client_id, queue_id) for code, client_id, queue_id in rows}


def rule_on(database: Database, *queues: int) -> int:
    """Create a service-level rule on these queues only; return its id."""
    with database.session_scope() as session:
        rule = AlertRule(
            name=f"sl-{secrets.token_hex(4)}",
            queue_ids=list(queues),
            metric="service_level",
            op="<",
            threshold=0.8,
            severity="critical",
        )
        session.add(rule)
        session.flush()
        return rule.id


def stored(pg: psycopg.Connection, alert_id: int) -> tuple:
    return pg.execute(
        "SELECT client_id, rule_id, queue_id, state, value, last_value, threshold, opened_at,"
        " escalated_at, acknowledged_by, resolved_at, resolved_by FROM alerts WHERE id = %s",
        [alert_id],
    ).fetchone()


def test_a_batch_opens_two_clients_alerts_with_their_own_ids_and_moves_them_together(
    database, tenant: Tenant, pg
):
    ids = queue_ids(database, tenant.queue, tenant.shared_queue, tenant.foreign_queue)
    (c, q), (_, s), (d, f) = ids[tenant.queue], ids[tenant.shared_queue], ids[tenant.foreign_queue]
    first, second = rule_on(database, q, s, f), rule_on(database, q)
    openings = [
        repository.Opening(c, first, q, 0.5, 0.8),
        repository.Opening(c, first, s, 0.25, 0.8),
        repository.Opening(d, first, f, float("inf"), 0.8),
        repository.Opening(c, second, q, 0.75, 0.7),
    ]
    with database.session_scope() as session:
        opened = repository.open_alerts(driver_connection(session), openings, NOW)

    assert set(opened) == {(o.rule_id, o.queue_id) for o in openings}
    assert len(set(opened.values())) == 4
    for o in openings:
        assert stored(pg, opened[o.rule_id, o.queue_id]) == (
            *(o.client_id, o.rule_id, o.queue_id, "open", o.value, o.value, o.threshold, NOW),
            *(None, None, None, None),
        )
    with (  # one active alert per rule and queue (uq_alerts_active)
        pytest.raises(psycopg.errors.UniqueViolation),
        database.session_scope() as session,
    ):
        repository.open_alerts(driver_connection(session), openings[:1], NOW)
    with database.session_scope() as session:  # one statement moves them all
        conn = driver_connection(session)
        read = [a for a in repository.active_alerts(conn, [c, d]) if a.id in opened.values()]
        moved = [replace(a, last_value=a.last_value + 1, state="resolved") for a in read]
        repository.move_alerts(conn, moved, NOW, "auto")
    for a in moved:
        assert stored(pg, a.id)[3:6] == ("resolved", a.last_value - 1, a.last_value)
    assert {a.client_id for a in moved} == {c, d}


def test_a_move_keeps_an_acknowledgement_made_since_the_pass_read_the_alert(
    database, tenant: Tenant, pg
):
    client_id, queue_id = queue_ids(database, tenant.queue)[tenant.queue]
    rule_id = rule_on(database, queue_id)
    with database.session_scope() as session:
        conn = driver_connection(session)
        repository.open_alerts(
            conn, [repository.Opening(client_id, rule_id, queue_id, 0.5, 0.8)], NOW
        )
        [read] = [a for a in repository.active_alerts(conn, [client_id]) if a.rule_id == rule_id]
    with database.session_scope() as session:
        key = create_key(session, "supervisor", vendor_code=tenant.vendor, name="Li Wei")
        responder = principal_for(session, key)
        assert responder is not None
        service.acknowledge(session, responder, read.id)
    later = NOW + timedelta(minutes=11)

    with database.session_scope() as session:  # the pass read the alert open: it escalates
        escalated = replace(read, last_value=0.55, escalated_at=later)
        repository.move_alerts(driver_connection(session), [escalated], later, "auto")
    assert stored(pg, read.id)[3:10] == ("acknowledged", 0.5, 0.55, 0.8, NOW, later, "Li Wei")
    with database.session_scope() as session:
        resolved = replace(escalated, last_value=0.9, state="resolved")
        repository.move_alerts(driver_connection(session), [resolved], later, "auto")
    assert stored(pg, read.id)[3:] == (
        *("resolved", 0.5, 0.9, 0.8, NOW, later, "Li Wei", later, "auto"),
    )
