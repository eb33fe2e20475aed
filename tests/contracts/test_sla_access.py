"""Who may read a contract's SLA (JSON and every export), and the 4xx of bad requests."""

import pytest

from tests.contracts.helpers import apply, contract_entry, key, sla

SUFFIXES = ("", ".csv", ".xlsx", ".pdf")


@pytest.fixture
def contract(database, tenant):
    """A contract of the tenant's vendor on its own queue, in force all of 2026."""
    entry = contract_entry(tenant)
    apply(database, entry)
    return entry


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize(
    "who", ["client", "vendor", "vendor supervisor", "global supervisor", "admin"]
)
def test_readers_of_the_contract(http, database, tenant, contract, who, suffix):
    auth = {
        "client": lambda: tenant.client_key,
        "vendor": lambda: tenant.key,
        "vendor supervisor": lambda: key(database, "supervisor", vendor_code=tenant.vendor),
        "global supervisor": lambda: key(database, "supervisor"),
        "admin": lambda: key(database, "admin"),
    }[who]()
    response = sla(http, tenant.client, auth, suffix, period="2026-11")
    assert response.status_code == 200, response.text
    if suffix:
        assert response.headers["content-disposition"] == (
            f'attachment; filename="sla-{tenant.client}-2026-11{suffix}"'
        )
    else:
        assert response.json()["contract"] == contract["code"]


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize(
    "who", ["other client", "other vendor", "other vendor's supervisor", "vendor, other client"]
)
def test_everyone_else_gets_404_and_no_data(http, database, tenant, contract, who, suffix):
    client, auth = {
        "other client": lambda: (
            tenant.client,
            key(database, "client", client_code=tenant.other_client),
        ),
        # The other vendor serves two of the client's queues, but has no part in the contract.
        "other vendor": lambda: (tenant.client, tenant.other_key),
        "other vendor's supervisor": lambda: (
            tenant.client,
            key(database, "supervisor", vendor_code=tenant.other_vendor),
        ),
        "vendor, other client": lambda: (tenant.other_client, tenant.key),
    }[who]()
    response = sla(http, client, auth, suffix, period="2026-11")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert contract["code"] not in response.text and "amount" not in response.text


def test_a_vendor_sees_only_its_own_contract(http, database, tenant, contract):
    theirs = contract_entry(tenant, vendor=tenant.other_vendor, queues=[tenant.shared_queue])
    apply(database, theirs)
    mine = sla(http, tenant.client, tenant.key, period="2026-11").json()
    assert mine["contract"] == contract["code"] and mine["contracts"] == [contract["code"]]
    response = sla(http, tenant.client, tenant.key, period="2026-11", contract=theirs["code"])
    assert response.status_code == 404
    assert response.json() == {
        "error": f"contract: no contract {theirs['code']!r} of client {tenant.client!r}"
        f" in 2026-11 (in force: {contract['code']})"
    }


def test_several_contracts_need_contract(http, database, tenant, contract):
    other = contract_entry(tenant, code=f"{contract['code']}-b", queues=[tenant.shared_queue])
    apply(database, other)
    response = sla(http, tenant.client, tenant.client_key, period="2026-11")
    assert response.status_code == 400
    codes = ", ".join(sorted([contract["code"], other["code"]]))
    assert response.json() == {
        "error": f"contract: client {tenant.client!r} has 2 contracts in force in 2026-11"
        f" ({codes}); add ?contract=CODE to pick one"
    }
    picked = sla(
        http, tenant.client, tenant.client_key, ".csv", period="2026-11", contract=other["code"]
    )
    assert picked.status_code == 200
    assert picked.headers["content-disposition"].endswith(f'2026-11-{other["code"]}.csv"')
    body = sla(http, tenant.client, tenant.client_key, period="2026-11", contract=other["code"])
    assert body.json()["queues"] == [tenant.shared_queue]
    assert body.json()["contracts"] == sorted([contract["code"], other["code"]])


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2026-13", "period: '2026-13' does not exist (month must be in 1..12)"),
        ("2026/11", "period: '2026/11' is not YYYY-MM (month), YYYY-Www (ISO week) or"),
        ("", "period: required, YYYY-MM (month), YYYY-Www (ISO week) or YYYY-MM-DD (day)"),
    ],
)
@pytest.mark.parametrize("suffix", ["", ".pdf"])
def test_a_bad_period_is_a_400_naming_period(http, tenant, contract, period, message, suffix):
    response = sla(http, tenant.client, tenant.client_key, suffix, period=period)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_no_period_at_all_is_a_400(http, tenant, contract):
    response = http.get(f"/v1/sla/{tenant.client}", headers=tenant.auth(tenant.client_key))
    assert response.status_code == 400
    assert response.json()["error"].startswith("period: required")


def test_no_contract_in_force_is_a_404_that_says_what_to_do(http, tenant, contract):
    response = sla(http, tenant.client, tenant.client_key, period="2025-12")
    assert response.status_code == 404
    assert response.json()["error"] == (
        f"client {tenant.client!r} has no contract in force in 2025-12: add one under"
        " `contracts:` in the tenancy YAML and run `callpulse apply`, or pick another period"
    )


def test_unknown_client_and_no_key(http, tenant, contract):
    assert sla(http, "ghost", tenant.client_key, period="2026-11").status_code == 404
    assert http.get(f"/v1/sla/{tenant.client}?period=2026-11").status_code == 401
