"""Every read path is tenant-scoped: another client's key, user or share link gets 404 (or a
refusal) and none of the data, on the API and on the pages alike."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app.access.users import create_share_link, create_user
from app.alerts.service import evaluate_all
from tests.contracts.helpers import apply, contract_entry
from tests.factories import cdr, make_tenant, post
from tests.kpi.helpers import client_id

PERIOD = datetime.now(UTC).strftime("%Y-%m")


@pytest.fixture
def victim(client, database, settings, pg, tenant):
    """A client with a contract, traffic and an open alert, all of which must stay its own."""
    apply(database, contract_entry(tenant, valid_from="2020-01-01", valid_to="2099-12-31"))
    now = datetime.now(UTC)
    offered = [(now - timedelta(minutes=3, seconds=i)).isoformat() for i in range(12)]
    calls = [cdr(f"iso{i}", tenant.queue, at, gave_up_after=60) for i, at in enumerate(offered)]
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 12
    evaluate_all(database, settings, now, client_id(pg, tenant.client))  # default SL drop opens
    return tenant


def test_another_clients_key_reads_nothing(client, database, victim):
    stranger = make_tenant(database)
    auth = stranger.auth(stranger.client_key)
    refused = [
        f"/v1/queues/{victim.queue}/live",
        f"/v1/metrics?queue={victim.queue}",
        f"/v1/metrics?client={victim.client}",
        f"/v1/metrics?client={victim.client}&format=csv",
        f"/v1/sla/{victim.client}?period={PERIOD}",
        f"/v1/sla/{victim.client}.csv?period={PERIOD}",
        f"/v1/sla/{victim.client}.xlsx?period={PERIOD}",
        f"/v1/sla/{victim.client}.pdf?period={PERIOD}",
    ]
    for path in refused:
        response = client.get(path, headers=auth)
        assert response.status_code == 404, path
        assert set(response.json()) == {"error"}, path  # a message, none of the data
    listed = client.get("/v1/queues", headers=auth).json()["queues"]
    assert listed and all(q["client"] == stranger.client for q in listed)
    alerts = client.get("/v1/alerts", headers=auth).json()["alerts"]
    assert all(a["client"] == stranger.client for a in alerts)
    mine = client.get("/v1/alerts", headers=victim.auth(victim.client_key)).json()["alerts"]
    [alert] = [a for a in mine if a["queue"] == victim.queue and a["rule"] == "default-sl-drop"]
    assert client.post(f"/v1/alerts/{alert['id']}/ack", headers=auth).status_code == 404


def browser(client, database, username: str, **scope: str) -> TestClient:
    """Create a user and return a browser-like client logged in as that user."""
    with database.session_scope() as session:
        create_user(session, username, "isolation-pw", scope.pop("role"), **scope)
    session_client = TestClient(client.app)
    response = session_client.post(
        "/login",
        content=f"username={username}&password=isolation-pw&next=/sla/",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return session_client


def test_another_clients_user_and_share_link_read_nothing(client, database, victim):
    stranger = make_tenant(database)
    export = f"/sla/export/{victim.client}.csv?period={PERIOD}"
    own = browser(
        client, database, f"own-{victim.client}", role="client", client_code=victim.client
    )
    assert own.get(export).status_code == 200  # the victim's own user reads it
    other = browser(
        client, database, f"user-{stranger.client}", role="client", client_code=stranger.client
    )
    response = other.get(export)
    assert response.status_code == 404 and victim.queue not in response.text
    with database.session_scope() as session:
        token = create_share_link(session, f"tv-{stranger.client}", stranger.client)
    tv = TestClient(client.app)
    for path in (f"/sla/?token={token}", f"/sla/export/{stranger.client}.csv?token={token}"):
        response = tv.get(path, follow_redirects=False)
        assert response.status_code in (302, 403), path  # the SLA page is for logged-in users
        assert victim.queue not in response.text
    # a share token is no API key
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/v1/queues/{victim.queue}/live", headers=bearer).status_code == 401
