"""Closing a period: both sides or an admin, the frozen report, its hash, and refusals."""

import pytest

from tests.closing.helpers import WEEK, call, close, recomputed_sha256
from tests.contracts.helpers import key, report


def test_both_sides_close_and_the_report_freezes_with_a_verifiable_hash(
    http, database, tenant, per_workload
):
    code = per_workload["code"]
    open_report = report(http, tenant, period=WEEK)
    assert open_report["closed"] is None and open_report["restatement"] is None
    state = close(http, tenant.client, tenant.client_key, period=WEEK)
    assert state["sides"]["client"]["role"] == "client"
    assert state["sides"]["vendor"] is None and state["closed"] is None
    assert report(http, tenant, period=WEEK)["closed"] is None  # one side is not enough
    state = close(http, tenant.client, tenant.key, period=WEEK, contract=code)
    assert state["sides"]["vendor"]["role"] == "vendor"
    closed = state["closed"]
    assert closed is not None and len(closed["sha256"]) == 64
    served = report(http, tenant, period=WEEK)
    assert served["closed"] == closed and served["restatement"] == []
    assert recomputed_sha256(served) == closed["sha256"]
    # the hand-computed figures of the week, frozen
    assert (served["score"], served["amount"]["total"]) == (80, 255.0)
    assert [t["actual"] for t in served["targets"]][:2] == [0.8, 0.1]
    assert served["partial"] is False
    # the vendor reads the same frozen report
    assert report(http, tenant, key=tenant.key, period=WEEK) == served
    got = call(http, "GET", tenant.client, tenant.key, period=WEEK).json()
    assert got == state


def test_an_admin_closes_alone(http, database, tenant, per_workload):
    admin = key(database, "admin")
    state = close(http, tenant.client, admin, period=WEEK)
    assert state["sides"]["admin"]["role"] == "admin"
    assert (state["sides"]["client"], state["sides"]["vendor"]) == (None, None)
    served = report(http, tenant, period=WEEK)
    assert served["closed"] == state["closed"]
    assert recomputed_sha256(served) == state["closed"]["sha256"]


def test_a_vendor_supervisor_closes_for_the_vendor(http, database, tenant, per_workload):
    supervisor = key(database, "supervisor", vendor_code=tenant.vendor)
    state = close(http, tenant.client, supervisor, period=WEEK)
    assert state["sides"]["vendor"]["role"] == "supervisor" and state["closed"] is None


def _unchanged(http, tenant) -> None:
    served = report(http, tenant, period=WEEK)
    assert served["closed"] is None


def test_closing_twice_is_a_409_naming_the_side(http, database, tenant, per_workload):
    close(http, tenant.client, tenant.client_key, period=WEEK)
    again = call(http, "POST", tenant.client, tenant.client_key, period=WEEK)
    assert again.status_code == 409
    assert "the client side already closed 2026-W46" in again.json()["error"]
    state = call(http, "GET", tenant.client, tenant.client_key, period=WEEK).json()
    assert state["sides"]["vendor"] is None and state["closed"] is None


def test_closing_a_closed_period_is_a_409_saying_an_admin_may_reopen(
    http, database, tenant, per_workload
):
    admin = key(database, "admin")
    close(http, tenant.client, admin, period=WEEK)
    late = call(http, "POST", tenant.client, tenant.key, period=WEEK)
    assert late.status_code == 409 and "already closed" in late.json()["error"]
    assert "an admin may reopen it" in late.json()["error"]


@pytest.mark.parametrize("who", ["client", "admin"])
def test_a_period_that_has_not_ended_cannot_be_closed(http, database, tenant, per_workload, who):
    auth = tenant.client_key if who == "client" else key(database, "admin")
    response = call(http, "POST", tenant.client, auth, period="2026-12")
    assert response.status_code == 409
    assert response.json()["error"] == (
        "period: 2026-12 ends at 2027-01-01T00:00:00+08:00; close it after it has ended"
    )
    _unchanged(http, tenant)


def test_another_clients_contract_is_a_404(http, database, tenant, per_workload):
    other_client = key(database, "client", client_code=tenant.other_client)
    response = call(http, "POST", tenant.client, other_client, period=WEEK)
    assert response.status_code == 404 and tenant.client in response.json()["error"]
    response = call(
        http, "POST", tenant.client, tenant.other_key, period=WEEK, contract=per_workload["code"]
    )
    assert response.status_code == 404  # the other vendor is no party to this contract
    _unchanged(http, tenant)


def test_a_role_that_may_not_close_is_a_403(http, database, tenant, per_workload):
    supervisor = key(database, "supervisor")  # of no vendor: no party
    response = call(http, "POST", tenant.client, supervisor, period=WEEK)
    assert response.status_code == 403
    assert "may not close a period" in response.json()["error"]
    _unchanged(http, tenant)


def test_bad_inputs_name_the_parameter(http, database, tenant, per_workload):
    missing = call(http, "POST", tenant.client, tenant.client_key)
    assert missing.status_code == 400 and missing.json()["error"].startswith("period: required")
    bad = call(http, "POST", tenant.client, tenant.client_key, period="2026-13")
    assert bad.status_code == 400 and bad.json()["error"].startswith("period:")
    unknown = call(http, "POST", tenant.client, tenant.client_key, period=WEEK, contract="nope")
    assert unknown.status_code == 404 and "contract: no contract 'nope'" in unknown.json()["error"]
    _unchanged(http, tenant)


def test_only_an_admin_reopens_with_a_reason(http, database, tenant, per_workload):
    admin = key(database, "admin")
    state = close(http, tenant.client, admin, period=WEEK)
    for auth in (tenant.client_key, tenant.key):
        refused = call(http, "POST", tenant.client, auth, "reopen", period=WEEK, reason="x")
        assert refused.status_code == 403 and "only an admin" in refused.json()["error"]
    no_reason = call(http, "POST", tenant.client, admin, "reopen", period=WEEK)
    assert no_reason.status_code == 422 and no_reason.json()["error"].startswith("reason:")
    blank = call(http, "POST", tenant.client, admin, "reopen", period=WEEK, reason="  ")
    assert blank.status_code == 400 and blank.json()["error"].startswith("reason: required")
    assert report(http, tenant, period=WEEK)["closed"] == state["closed"]  # nothing changed
    reopened = call(
        http, "POST", tenant.client, admin, "reopen", period=WEEK, reason="wrong CDR export"
    )
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["closed"] is None
    assert set(reopened.json()["sides"].values()) == {None}
    assert report(http, tenant, period=WEEK)["closed"] is None
    again = call(http, "POST", tenant.client, admin, "reopen", period=WEEK, reason="twice")
    assert again.status_code == 409 and "is open; nothing to reopen" in again.json()["error"]
    # closable anew after a reopen
    assert close(http, tenant.client, admin, period=WEEK)["closed"] is not None
