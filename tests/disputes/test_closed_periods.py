"""A period closes only once its disputes are settled, and a closed period takes no dispute."""

from app.access.users import create_user, user_principal
from dashboards import data
from tests.closing.helpers import call, close
from tests.contracts.helpers import key
from tests.disputes.helpers import act, listed, open_dispute

DAY = "2026-11-10"
HOUR = {"from": "2026-11-10T09:00:00+08:00", "to": "2026-11-10T10:00:00+08:00"}


def _dispute(http, tenant, **more):
    body = {"period": DAY, "kpi": "all", "reason": "carrier_outage", **HOUR} | more
    return open_dispute(http, tenant.client, tenant.key, **body)


def test_an_open_dispute_holds_the_close_and_a_closed_period_refuses_disputes(
    http, tenant, contract
):
    opened = _dispute(http, tenant)
    assert opened.status_code == 201, opened.text
    held = call(http, "POST", tenant.client, tenant.client_key, period=DAY)
    assert held.status_code == 409
    assert f"1 open dispute(s) ({opened.json()['id']})" in held.json()["error"]
    assert "agree, reject or withdraw" in held.json()["error"]
    state = call(http, "GET", tenant.client, tenant.client_key, period=DAY).json()
    assert state["sides"]["client"] is None  # the refused close left nothing behind

    agreed = act(http, tenant.client, tenant.client_key, opened.json()["id"], "agree")
    assert agreed.status_code == 200, agreed.text
    close(http, tenant.client, tenant.client_key, period=DAY)
    closed = close(http, tenant.client, tenant.key, period=DAY)
    assert closed["closed"]["sha256"]

    before = listed(http, tenant.client, tenant.client_key, period=DAY)
    late = _dispute(http, tenant, reason="data_error")
    assert late.status_code == 409
    assert f"period: {DAY} of contract {contract['code']} is closed" in late.json()["error"]
    assert listed(http, tenant.client, tenant.client_key, period=DAY) == before


def test_a_settled_dispute_of_a_closed_period_takes_no_comment(http, database, tenant, contract):
    admin = key(database, "admin")
    opened = _dispute(http, tenant).json()
    assert act(http, tenant.client, tenant.key, opened["id"], "withdraw").status_code == 200
    close(http, tenant.client, admin, period=DAY)
    comment = act(http, tenant.client, tenant.client_key, opened["id"], "comments", text="late")
    assert comment.status_code == 409 and "is closed" in comment.json()["error"]
    [listed_dispute] = listed(http, tenant.client, tenant.client_key, period=DAY)
    assert [s["step"] for s in listed_dispute["thread"]] == ["opened", "withdrawn"]


def test_the_page_offers_no_dispute_form_once_the_period_is_closed(
    http, database, tenant, contract
):
    with database.session_scope() as session:
        created = create_user(
            session, f"f-{tenant.client}", "form-password", "client", client_code=tenant.client
        )
        principal = user_principal(session, created.id)

    def offered() -> bool:
        return data.sla_view(database, principal, tenant.client, DAY, None)["disputes"]["may_open"]

    assert offered()
    close(http, tenant.client, key(database, "admin"), period=DAY)
    assert not offered()
