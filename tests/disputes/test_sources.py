"""Exclusions of agent state seconds, tickets and alerts: hand-computed, one KPI at a time."""

import pytest

from tests.contracts.helpers import apply, billing, contract_entry, ingest, open_alerts, report
from tests.disputes.helpers import act, open_dispute

AT = "2026-11-10T{}:00+08:00"


@pytest.fixture
def mixed(http, database, settings, pg, tenant) -> dict:
    """A contract on occupancy, email first response and alert response, and their facts.

    Agent a1: available 08:00, talking 09:00, available 09:30, logged out 11:00: talking
    1800 s of 10 800 → occupancy 1/6. Email tickets: 09:05 answered after 1 h (within 4 h),
    14:00 after 5 h (missed) → 1/2. Alerts: 10:00 acknowledged after 200 s, 12:00 after
    600 s → 400 s.
    """
    entry = contract_entry(
        tenant,
        targets={
            "occupancy": {"max": 0.9, "weight": 10},
            "ticket_frt_sla.email": {"min": 0.9, "weight": 10},
            "alert_response_s": {"max": 300, "weight": 10},
        },
        billing=billing("per_hour", 30),
    )
    apply(database, entry)
    events = [
        ("08:00", "available"),
        ("09:00", "talking"),
        ("09:30", "available"),
        ("11:00", "logged_out"),
    ]
    ingest(
        http,
        database,
        settings,
        tenant,
        "/v1/agent-events",
        [
            {"agent": "a1", "state": s, "at": AT.format(t), "queues": [tenant.queue]}
            for t, s in events
        ],
    )
    tickets = [
        {
            "ticket_id": "t1",
            "created_at": AT.format("09:05"),
            "first_response_at": AT.format("10:05"),
        },
        {
            "ticket_id": "t2",
            "created_at": AT.format("14:00"),
            "first_response_at": AT.format("19:00"),
        },
    ]
    ingest(
        http,
        database,
        settings,
        tenant,
        "/v1/tickets",
        [t | {"queue": tenant.queue, "channel": "email"} for t in tickets],
    )
    open_alerts(pg, tenant, [("2026-11-10T10:00", 200, 300), ("2026-11-10T12:00", 600, 900)])
    return entry


def _agree(http, tenant, kpi, start, end):
    body = {"from": AT.format(start), "to": AT.format(end)}
    opened = open_dispute(
        http, tenant.client, tenant.client_key, kpi=kpi, reason="data_error", **body
    )
    assert opened.status_code == 201, opened.text
    assert act(http, tenant.client, tenant.key, opened.json()["id"], "agree").status_code == 200


def _actuals(http, tenant) -> dict[str, tuple]:
    body = report(http, tenant, period="2026-11")
    return {t["kpi"]: (t["actual_measured"], t["actual"]) for t in body["targets"]}


def test_measured(http, tenant, mixed):
    assert _actuals(http, tenant) == {
        "occupancy": (pytest.approx(1 / 6), pytest.approx(1 / 6)),
        "ticket_frt_sla.email": (0.5, 0.5),
        "alert_response_s": (400, 400),
    }


def test_agent_seconds_are_cut_to_the_window(http, tenant, mixed):
    _agree(http, tenant, "occupancy", "09:15", "10:00")  # 900 s talking, 1800 s available out
    measured, actual = _actuals(http, tenant)["occupancy"]
    assert actual == pytest.approx(900 / (10_800 - 2_700))
    assert measured == pytest.approx(1 / 6)


def test_tickets_created_in_the_window_are_out(http, tenant, mixed):
    _agree(http, tenant, "ticket_frt_sla.email", "13:00", "15:00")
    assert _actuals(http, tenant)["ticket_frt_sla.email"] == (0.5, 1.0)


def test_alerts_opened_in_the_window_are_out(http, tenant, mixed):
    _agree(http, tenant, "alert_response_s", "11:30", "12:30")
    assert _actuals(http, tenant)["alert_response_s"] == (400, 200)


def test_call_ids_do_not_apply_to_a_ticket_kpi(http, tenant, mixed):
    response = open_dispute(
        http, tenant.client, tenant.key, kpi="ticket_frt_sla.email", reason="other", call_ids=["x"]
    )
    assert response.status_code == 400
    assert "computed from tickets, not calls" in response.json()["error"]
