"""A write that reaches a read-only server is 503 + Retry-After, never 500.

Behind a proxy that still routes to a demoted primary (HAProxy until its next health check, or
at its start, when it counts every server up) a session is read-only: PostgreSQL answers
25006 `ReadOnlySqlTransaction`. Like a lost connection it passes once the failover is done.
"""

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from tests.factories import cdr, post


def test_ingest_on_a_read_only_server_is_503(settings, tenant):
    read_only = (
        make_url(settings.database_url)
        .update_query_dict({"options": "-cdefault_transaction_read_only=on"})
        .render_as_string(hide_password=False)
    )
    database = Database(read_only)
    app = create_app(
        Settings(database_url=read_only, scheduler=False, db_retry_after_s=7), database
    )
    offered = datetime.now(UTC).replace(microsecond=0).isoformat()
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            r = post(client, "/v1/calls", [cdr("ro-1", tenant.queue, offered, wait=5)], tenant)
    finally:
        database.dispose()
    assert r.status_code == 503
    assert r.headers["retry-after"] == "7"
    assert "read-only" in r.json()["error"]
