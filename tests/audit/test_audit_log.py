"""The audit log: contract changes and alert acknowledgements recorded, read by their parties."""

import getpass
from datetime import datetime

import pytest

from tests.contracts.helpers import apply, contract_entry, key, open_alerts


def audit(http, auth_key: str, **params):
    return http.get("/v1/audit", params=params, headers={"Authorization": f"Bearer {auth_key}"})


def entries(http, auth_key: str, **params) -> list[dict]:
    response = audit(http, auth_key, **params)
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def test_a_contract_created_then_changed_is_recorded_with_its_terms(client, database, tenant):
    entry = contract_entry(tenant)
    apply(database, entry)
    apply(database, entry)  # unchanged: nothing recorded
    apply(database, entry | {"targets": {"service_level": {"min": 0.85, "weight": 40}}})
    admin = key(database, "admin")
    updated, created = entries(client, admin, contract=entry["code"])
    operator = f"{getpass.getuser()} (callpulse CLI)"
    assert (created["action"], created["actor"], created["role"]) == (
        "contract.created",
        operator,
        "operator",
    )
    assert created["before"] is None
    terms = {k: v for k, v in created["after"].items() if k not in ("targets", "billing")}
    assert terms == {
        "client": tenant.client,
        "vendor": tenant.vendor,
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "queues": [tenant.queue],
    }
    [target] = created["after"]["targets"]  # as validated and stored, defaults filled in
    assert (target["kpi"], target["min"]) == ("service_level", 0.8)
    billing = created["after"]["billing"]
    assert (billing["model"], billing["unit_price"], billing["currency"]) == (
        "per_workload",
        "4.5",
        "CNY",
    )
    assert updated["action"] == "contract.updated"
    assert updated["before"] == created["after"]
    assert updated["after"] == created["after"] | {"targets": [target | {"min": 0.85}]}
    assert (updated["client"], updated["vendor"], updated["contract"]) == (
        tenant.client,
        tenant.vendor,
        entry["code"],
    )
    assert datetime.fromisoformat(updated["at"]).utcoffset().total_seconds() == 8 * 3600


def test_an_acknowledged_then_resolved_alert_is_recorded_once_each(client, database, tenant, pg):
    open_alerts(pg, tenant, [("2026-11-10T09:00", None, None)])
    [alert] = client.get("/v1/alerts", headers=tenant.auth(tenant.client_key)).json()["alerts"]
    supervisor = key(database, "supervisor", vendor_code=tenant.vendor)
    for path, who in (("ack", supervisor), ("ack", supervisor), ("resolve", tenant.client_key)):
        response = client.post(f"/v1/alerts/{alert['id']}/{path}", headers=tenant.auth(who))
        assert response.status_code == 200, response.text
    resolved, acknowledged = entries(client, tenant.client_key, action="alert.")
    assert (acknowledged["action"], acknowledged["role"]) == ("alert.acknowledged", "supervisor")
    assert (acknowledged["before"], acknowledged["after"]) == (
        {"state": "open"},
        {"state": "acknowledged"},
    )
    assert acknowledged["subject"] == f"alert {alert['id']}: {alert['rule']} on {tenant.queue}"
    assert (resolved["action"], resolved["role"], resolved["vendor"]) == (
        "alert.resolved",
        "client",
        None,
    )
    # the supervisor's vendor sees its own acknowledgement, not the client's resolution
    [seen] = entries(client, supervisor, action="alert.")
    assert seen["id"] == acknowledged["id"]


def test_each_party_reads_only_its_own_entries(client, database, tenant):
    mine = contract_entry(tenant)
    theirs = contract_entry(tenant, vendor=tenant.other_vendor, queues=[tenant.other_queue])
    apply(database, mine, theirs)
    codes = {e["contract"] for e in entries(client, tenant.key)}
    assert codes == {mine["code"]}
    client_view = {e["contract"] for e in entries(client, tenant.client_key, client=tenant.client)}
    assert client_view >= {mine["code"], theirs["code"]}
    other = key(database, "client", client_code=tenant.other_client)
    assert entries(client, other) == []
    assert audit(client, other, client=tenant.client).status_code == 404
    assert audit(client, tenant.key, contract=theirs["code"]).status_code == 404
    admin = key(database, "admin")
    assert {e["contract"] for e in entries(client, admin, client=tenant.client)} >= {
        mine["code"],
        theirs["code"],
    }


def test_pages_follow_each_other_and_a_foreign_cursor_is_refused(client, database, tenant):
    entry = contract_entry(tenant)
    for weight in (10, 20, 30, 40, 50):
        apply(database, entry | {"targets": {"service_level": {"min": 0.8, "weight": weight}}})
    admin = key(database, "admin")
    everything = entries(client, admin, contract=entry["code"], limit=10)
    assert len(everything) == 5
    pages, cursor = [], None
    while True:
        params = {"contract": entry["code"], "limit": 2} | ({"cursor": cursor} if cursor else {})
        body = audit(client, admin, **params).json()
        pages += body["entries"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == everything
    first = audit(client, admin, contract=entry["code"], limit=2).json()["next_cursor"]
    wrong = audit(client, admin, contract=entry["code"], limit=3, cursor=first)
    assert wrong.status_code == 400
    assert wrong.json()["error"].startswith("cursor: it belongs to another query")


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"limit": 0}, "limit: 0 is out of range; use 1 to 1000"),
        ({"limit": 1001}, "limit: 1001 is out of range; use 1 to 1000"),
        ({"action": "alert.deleted"}, "action: unknown 'alert.deleted'; use one of"),
        ({"from": "yesterday"}, "from: 'yesterday' is neither a date"),
        ({"cursor": "not-a-cursor"}, "cursor: not a cursor this API gave"),
    ],
)
def test_bad_parameters_are_400_naming_them(client, database, params, error):
    response = audit(client, key(database, "admin"), **params)
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)


def test_a_wallboard_link_may_not_read_the_audit_log(client, database, tenant):
    from app.access.keys import Principal
    from app.audit.service import AuditQuery, list_entries
    from app.core.errors import Forbidden

    with database.session_scope() as session, pytest.raises(Forbidden):
        list_entries(session, Principal(-1, "share", None, None), AuditQuery())
