"""Fixtures: a fresh PostgreSQL database per test session, built by the real migrations.

With DATABASE_URL set, the database is created on that server; without it, on the
embedded PostgreSQL that CallPulse starts itself (the path a new user's machine takes).
With CALLPULSE_TEST_CITUS_URL set (a Citus coordinator with its workers registered), it is
created on every node of that cluster, migrated and distributed (`callpulse distribute`).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.db import Database, create_database, drop_database, libpq_url
from app.core.embedded import start_embedded_postgres
from app.main import create_app
from app.migrate import distribute, upgrade
from tests import citus
from tests.factories import Tenant, make_tenant

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CITUS_URL = os.environ.get("CALLPULSE_TEST_CITUS_URL")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Create a throw-away database for this test session and return its libpq URL."""
    if CITUS_URL:
        url = citus.create_database(CITUS_URL, "callpulse_test")
        yield url
        citus.drop_database(url)
        return
    server_url = os.environ.get("DATABASE_URL") or start_embedded_postgres(
        tmp_path_factory.mktemp("embedded")
    )
    url = create_database(server_url, "callpulse_test")
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    """Settings pointing at the test database."""
    return Settings(database_url=database_url, rate_limit_per_s=0, scheduler=False)


@pytest.fixture(scope="session")
def database(settings: Settings) -> Iterator[Database]:
    """The migrated test database."""
    db = Database.from_settings(settings)
    if CITUS_URL:
        distribute(db)
    else:
        upgrade(db)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    """An HTTP client for the ASGI app, on the test database."""
    with TestClient(create_app(settings, database)) as test_client:
        yield test_client


@pytest.fixture
def tenant(database: Database) -> Tenant:
    """A client with three queues, two vendors and a vendor key, unique to this test."""
    return make_tenant(database)


@pytest.fixture
def pg(database_url: str) -> Iterator[psycopg.Connection]:
    """A plain psycopg connection to the test database, for checking what was stored."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def live_server(settings: Settings, database: Database) -> Iterator[str]:
    """A real uvicorn server on a free port, for clients that speak HTTP over a socket."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, database),
            port=port,
            log_level="warning",
            timeout_graceful_shutdown=1,  # a browser's long poll (/wall/_changes) is cut
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
