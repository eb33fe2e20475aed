"""Who may scrape `/metrics`: an admin key from anywhere, no key only from allowed networks."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.db import Database
from app.main import create_app


@pytest.fixture(scope="module")
def private_app(settings: Settings, database: Database):
    """The app with `CALLPULSE_METRICS_ALLOW=10.0.0.0/8,127.0.0.1/32`."""
    allowed = settings.model_copy(update={"metrics_allow": "10.0.0.0/8,127.0.0.1/32"})
    return create_app(allowed, database)


def client_from(app, host: str) -> Iterator[TestClient]:
    with TestClient(app, client=(host, 40000)) as test_client:
        yield test_client


def test_an_admin_key_may_scrape_from_anywhere(client, admin_key):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {admin_key}"})
    assert response.status_code == 200
    assert "callpulse_ingest_records_total" in response.text


def test_other_keys_are_refused(client, tenant):
    vendor = client.get("/metrics", headers=tenant.auth())
    assert vendor.status_code == 403 and "admin" in vendor.json()["error"]
    assert client.get("/metrics", headers=tenant.auth(tenant.client_key)).status_code == 403
    wrong = client.get("/metrics", headers={"Authorization": "Bearer cpk_not-a-key"})
    assert wrong.status_code == 401


def test_no_key_is_refused_outside_the_allowed_networks(client, private_app):
    refused = client.get("/metrics")  # TestClient's address is not an IP address at all
    assert refused.status_code == 401
    assert "CALLPULSE_METRICS_ALLOW" in refused.json()["error"]
    assert refused.headers["www-authenticate"] == "Bearer"
    for host in ("192.168.1.20", "11.0.0.1", "::2"):
        for test_client in client_from(private_app, host):
            assert test_client.get("/metrics").status_code == 401, host


@pytest.mark.parametrize("host", ["10.20.30.40", "127.0.0.1", "::ffff:10.0.0.9"])
def test_no_key_is_admitted_from_an_allowed_network(private_app, host):
    for test_client in client_from(private_app, host):
        response = test_client.get("/metrics")
        assert response.status_code == 200, response.text
        assert "callpulse_database_up 1.0" in response.text


def test_loopback_is_the_default_and_a_bad_network_is_refused_at_start():
    defaults = Settings(database_url="postgresql://unused/db")
    assert defaults.metrics_allow_networks == ["127.0.0.1/32", "::1/128"]
    key_only = Settings(database_url="postgresql://unused/db", metrics_allow="")
    assert key_only.metrics_allow_networks == []
    with pytest.raises(ValueError, match="CIDR"):
        Settings(database_url="postgresql://unused/db", metrics_allow="10.0.0.0/8,intranet")


def test_an_allowed_scraper_still_gets_figures_while_the_database_is_down(settings):
    down = Database("postgresql+psycopg://callpulse@127.0.0.1:1/callpulse")
    app = create_app(settings.model_copy(update={"metrics_allow": "127.0.0.1/32"}), down)
    for test_client in client_from(app, "127.0.0.1"):
        response = test_client.get("/metrics")
        assert response.status_code == 200, response.text
        assert "callpulse_database_up 0.0" in response.text
        assert "callpulse_aggregation_lag_seconds" not in response.text
    down.dispose()
