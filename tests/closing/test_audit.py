"""Closing and reopening are recorded in the audit log, read by the contract's parties."""

from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from tests.closing.helpers import WEEK, call, close
from tests.closing.test_restatement import entries
from tests.contracts.helpers import key


def test_closes_and_the_reopen_are_recorded_with_who_and_why(http, database, tenant, per_workload):
    code = per_workload["code"]
    close(http, tenant.client, tenant.client_key, period=WEEK)
    state = close(http, tenant.client, tenant.key, period=WEEK)
    admin = key(database, "admin")
    reopened = call(http, "POST", tenant.client, admin, "reopen", period=WEEK, reason="late CDRs")
    assert reopened.status_code == 200, reopened.text
    newest_first = entries(http, admin, contract=code, period=WEEK)
    assert [e["action"] for e in newest_first] == [
        "period.reopened",
        "period.closed",
        "period.closed",
    ]
    reopen, vendor, client = newest_first
    assert (client["role"], client["contract"], client["vendor"]) == ("client", code, tenant.vendor)
    assert client["before"] == {"period": WEEK, "sides": []}
    assert client["after"] == {"period": WEEK, "sides": ["client"], "sha256": None}
    assert vendor["role"] == "vendor"
    assert vendor["after"] == {
        "period": WEEK,
        "sides": ["client", "vendor"],
        "sha256": state["closed"]["sha256"],
    }
    assert reopen["role"] == "admin" and reopen["after"] == {"period": WEEK, "reason": "late CDRs"}
    assert reopen["before"]["closed"] == state["closed"]
    assert reopen["subject"] == f"period {WEEK} of contract {code}: reopened"
    # both parties read the steps of their contract; filters narrow them
    for party in (tenant.client_key, tenant.key):
        assert len(entries(http, party, contract=code, action="period.")) == 3
    assert entries(http, admin, contract=code, period="2026-W47") == []
    assert len(entries(http, admin, contract=code, action="period.closed")) == 2


def test_a_refused_close_records_nothing(http, database, tenant, per_workload):
    close(http, tenant.client, tenant.client_key, period=WEEK)
    assert call(http, "POST", tenant.client, tenant.client_key, period=WEEK).status_code == 409
    assert call(http, "POST", tenant.client, tenant.client_key, period="2026-12").status_code == 409
    admin = key(database, "admin")
    assert len(entries(http, admin, contract=per_workload["code"], action="period.")) == 1


def test_a_queue_s_sl_threshold_change_is_recorded_before_and_after(http, database, tenant):
    spec = TenancyFile.model_validate(
        {
            "queues": [
                {
                    "code": tenant.queue,
                    "client": tenant.client,
                    "vendors": [tenant.vendor],
                    "sl_threshold_s": 15,
                }
            ]
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
        apply_tenancy(session, spec)  # unchanged: nothing recorded
    [entry] = entries(http, tenant.client_key, action="queue.")
    assert (entry["action"], entry["role"]) == ("queue.updated", "operator")
    assert entry["subject"] == f"queue {tenant.queue}: SL threshold"
    assert (entry["before"]["sl_threshold_s"], entry["after"]["sl_threshold_s"]) == (20, 15)
    assert entry["before"]["sl_formula"] == entry["after"]["sl_formula"] == "abandoned_negative"
    assert entries(http, tenant.other_key, action="queue.") == []  # no vendor's step
