"""While PostgreSQL is unreachable, the API answers 503 with Retry-After, never 500."""

import socket

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app


@pytest.fixture
def unreachable_url() -> str:
    """A PostgreSQL URL whose port has nothing listening."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://postgres@127.0.0.1:{port}/callpulse"


@pytest.mark.parametrize(
    "path", ["/v1/calls", "/v1/call-events", "/v1/agent-events", "/v1/tickets"]
)
def test_ingest_while_database_down_is_503(unreachable_url, path):
    app = create_app(Settings(database_url=unreachable_url, db_retry_after_s=7))
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post(path, json={}, headers={"Authorization": "Bearer cpk_any"})
    assert r.status_code == 503
    assert r.headers["retry-after"] == "7"
    assert "database unavailable" in r.json()["error"]


def test_health_reports_database_down(unreachable_url):
    app = create_app(Settings(database_url=unreachable_url))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/health").status_code == 503


def test_health_ok(client):
    assert client.get("/health").json() == {"status": "ok", "database": "ok"}
