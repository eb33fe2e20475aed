"""The dispute routes: who may take which step, bad input named, nothing changed on refusal."""

import pytest

from tests.contracts.helpers import key
from tests.disputes.helpers import act, auth, listed, open_dispute

HOUR = {"from": "2026-11-10T09:00:00+08:00", "to": "2026-11-10T10:00:00+08:00"}


def _open(http, tenant, who_key=None, **body):
    body = {"kpi": "all", "reason": "carrier_outage", **HOUR} | body
    response = open_dispute(http, tenant.client, who_key or tenant.key, **body)
    assert response.status_code == 201, response.text
    return response.json()


def _audit(http, database, tenant) -> list[dict]:
    admin = key(database, "admin")
    response = http.get(
        "/v1/audit", params={"client": tenant.client, "action": "dispute."}, headers=auth(admin)
    )
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def test_vendor_opens_client_comments_and_agrees_each_step_audited(
    http, database, tenant, contract
):
    supervisor = key(database, "supervisor", vendor_code=tenant.vendor)
    opened = _open(http, tenant, supervisor, evidence="carrier ticket CT-881")
    assert opened["state"] == "open" and opened["opened_by"] == "vendor"
    assert opened["from"] == "2026-11-10T09:00:00+08:00" and opened["contract"] == contract["code"]
    assert opened["actions"] == ["comment", "withdraw"]
    commented = act(
        http, tenant.client, tenant.client_key, opened["id"], "comments", text="checking"
    )
    assert commented.status_code == 200, commented.text
    assert commented.json()["actions"] == ["comment", "agree", "reject"]
    agreed = act(http, tenant.client, tenant.client_key, opened["id"], "agree", comment="ok")
    assert agreed.status_code == 200, agreed.text
    thread = agreed.json()["thread"]
    assert [(s["step"], s["side"], s["role"]) for s in thread] == [
        ("opened", "vendor", "supervisor"),
        ("commented", "client", "client"),
        ("agreed", "client", "client"),
    ]
    assert thread[0]["text"] == "carrier ticket CT-881" and thread[2]["text"] == "ok"
    entries = _audit(http, database, tenant)
    assert [e["action"] for e in reversed(entries)] == [
        "dispute.opened",
        "dispute.commented",
        "dispute.agreed",
    ]
    assert entries[0]["before"] == {"state": "open"}
    assert entries[0]["after"] == {"state": "agreed", "comment": "ok"}
    assert entries[0]["vendor"] == tenant.vendor and entries[0]["contract"] == contract["code"]


@pytest.mark.parametrize("opener", ["client", "vendor"])
def test_the_opener_may_not_agree_to_its_own_dispute(http, database, tenant, contract, opener):
    own = tenant.client_key if opener == "client" else tenant.key
    dispute = _open(http, tenant, own)
    response = act(http, tenant.client, own, dispute["id"], "agree")
    assert response.status_code == 409
    assert f"opened by the {opener} (you)" in response.json()["error"]
    assert listed(http, tenant.client, own)[0]["state"] == "open"
    assert [e["action"] for e in _audit(http, database, tenant)] == ["dispute.opened"]


def test_only_the_opener_withdraws(http, tenant, contract):
    dispute = _open(http, tenant)
    response = act(http, tenant.client, tenant.client_key, dispute["id"], "withdraw")
    assert response.status_code == 403 and "only the party that opened" in response.text
    withdrawn = act(http, tenant.client, tenant.key, dispute["id"], "withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"


@pytest.mark.parametrize("verb", ["agree", "reject", "withdraw", "comments"])
def test_a_settled_dispute_takes_no_step(http, database, tenant, contract, verb):
    dispute = _open(http, tenant)
    act(http, tenant.client, tenant.client_key, dispute["id"], "reject")
    body = {"text": "again"} if verb == "comments" else {}
    for who in (tenant.client_key, tenant.key):
        response = act(http, tenant.client, who, dispute["id"], verb, **body)
        assert response.status_code == 409
        assert f"dispute {dispute['id']} is rejected, not open" in response.json()["error"]
    [after] = listed(http, tenant.client, tenant.client_key)
    assert after["state"] == "rejected" and len(after["thread"]) == 2
    assert len(_audit(http, database, tenant)) == 2


def test_admin_may_agree(http, database, tenant, contract):
    dispute = _open(http, tenant, tenant.client_key)
    admin = key(database, "admin")
    response = act(http, tenant.client, admin, dispute["id"], "agree")
    assert response.status_code == 200 and response.json()["thread"][-1]["side"] == "admin"


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("other vendor", "your vendor is not the vendor of contract"),
        ("other vendor's supervisor", "your vendor is not the vendor of contract"),
        ("global supervisor", "a supervisor of no vendor is not a party"),
    ],
)
def test_a_role_that_is_no_party_gets_403_naming_why(http, database, tenant, contract, who, reason):
    keys = {
        "other vendor": lambda: tenant.other_key,
        "other vendor's supervisor": lambda: key(
            database, "supervisor", vendor_code=tenant.other_vendor
        ),
        "global supervisor": lambda: key(database, "supervisor"),
    }
    who_key = keys[who]()
    response = open_dispute(
        http,
        tenant.client,
        who_key,
        contract=contract["code"],
        kpi="all",
        reason="other",
        **HOUR,
    )
    assert response.status_code == 403 and reason in response.json()["error"]
    dispute = _open(http, tenant)
    for verb in ("agree", "reject", "withdraw"):
        refused = act(http, tenant.client, who_key, dispute["id"], verb)
        assert refused.status_code in (403, 404), refused.text
    assert listed(http, tenant.client, tenant.client_key)[0]["state"] == "open"
    assert len(listed(http, tenant.client, tenant.client_key)) == 1


def test_another_clients_contract_is_404(http, database, tenant, contract):
    other_client = key(database, "client", client_code=tenant.other_client)
    response = open_dispute(http, tenant.client, other_client, kpi="all", reason="other", **HOUR)
    assert response.status_code == 404 and "unknown client" in response.json()["error"]
    dispute = _open(http, tenant)
    assert act(http, tenant.client, other_client, dispute["id"], "agree").status_code == 404
    assert act(http, tenant.other_client, tenant.key, dispute["id"], "agree").status_code == 404


def test_a_vendor_lists_only_its_own_contracts_disputes(http, database, tenant, contract):
    _open(http, tenant)
    assert len(listed(http, tenant.client, tenant.client_key, period="2026-11")) == 1
    assert listed(http, tenant.client, tenant.other_key) == []
    assert listed(http, tenant.client, tenant.client_key, period="2026-10") == []
    assert listed(http, tenant.client, tenant.client_key, state="agreed") == []


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"call_ids": ["w1", "nope-1", "nope-2"]}, 400, "call_ids: no call nope-1, nope-2"),
        (
            {"from": "2026-10-31T23:00:00+08:00", "to": "2026-11-01T01:00:00+08:00"},
            400,
            "is not inside 2026-11",
        ),
        ({"from": "2026-11-10T10:00:00", "to": "2026-11-10T09:00:00"}, 400, "to: "),
        ({"from": "2026-11-10T10:00:00", "to": None}, 400, "to: a window needs both"),
        ({"from": None, "to": None}, 400, "give a time window (from and to), call ids"),
        ({"from": "yesterday"}, 400, "from: 'yesterday' is not a time"),
        ({"kpi": "speed"}, 400, "kpi: 'speed' is not a target of contract"),
        ({"contract": "nope"}, 404, "contract: no contract 'nope'"),
        ({"period": "2026-13"}, 400, "period:"),
        ({"reason": "bad luck"}, 422, "reason"),
        ({"call_ids": [f"c{i}" for i in range(1001)]}, 422, "call_ids"),
    ],
)
def test_bad_input_is_named_and_nothing_is_stored(http, tenant, contract, body, status, message):
    request = {"kpi": "all", "reason": "carrier_outage", **HOUR} | body
    request = {k: v for k, v in request.items() if v is not None}
    response = open_dispute(http, tenant.client, tenant.key, **request)
    assert response.status_code == status, response.text
    assert message in response.text
    assert listed(http, tenant.client, tenant.client_key) == []


def test_call_ids_of_another_queue_or_period_are_unknown(http, tenant, contract):
    response = open_dispute(
        http,
        tenant.client,
        tenant.key,
        period="2026-10",
        kpi="all",
        reason="other",
        call_ids=["w1"],
    )
    assert response.status_code == 400 and "no call w1" in response.json()["error"]


def test_a_window_in_local_time_is_read_in_the_clients_timezone(http, tenant, contract):
    dispute = _open(http, tenant, **{"from": "2026-11-10T09:00", "to": "2026-11-10T10:00"})
    assert dispute["from"] == "2026-11-10T09:00:00+08:00"


def test_the_listing_filters_by_contract_and_names_bad_filters(http, tenant, contract):
    _open(http, tenant)
    assert len(listed(http, tenant.client, tenant.client_key, contract=contract["code"])) == 1
    for params, status, message in (
        ({"contract": "nope"}, 404, "contract: no contract 'nope'"),
        ({"state": "closed"}, 400, "state: unknown 'closed'"),
        ({"period": "2026-13"}, 400, "period:"),
    ):
        response = http.get(
            f"/v1/sla/{tenant.client}/disputes", params=params, headers=auth(tenant.client_key)
        )
        assert response.status_code == status and message in response.json()["error"]


def test_an_undecodable_body_is_a_400_in_the_error_shape(http, tenant, contract):
    response = http.post(
        f"/v1/sla/{tenant.client}/disputes",
        content=b"\xff\xfe{",
        headers=auth(tenant.key) | {"Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500 and "error" in response.json()
