"""Keys: missing or wrong → 401, wrong kind → 403, revoked → 401, rate limit → 429."""

from fastapi.testclient import TestClient

from app.access.keys import hash_key, revoke_key
from app.main import create_app
from tests.factories import post

RECORD = {"call_id": "k1", "queue": "q", "offered_at": "2026-11-20T01:00:00Z"}


def test_missing_key_is_401(client):
    r = client.post("/v1/calls", json=RECORD)
    assert r.status_code == 401
    assert "Authorization: Bearer" in r.json()["error"]
    assert r.headers["www-authenticate"] == "Bearer"


def test_wrong_key_is_401(client):
    r = client.post("/v1/calls", json=RECORD, headers={"Authorization": "Bearer cpk_nope"})
    assert r.status_code == 401
    assert r.json()["error"] == "unknown or revoked API key"


def test_non_bearer_scheme_is_401(client, tenant):
    r = client.post("/v1/calls", json=RECORD, headers={"Authorization": f"Basic {tenant.key}"})
    assert r.status_code == 401


def test_client_key_may_not_ingest(client, tenant):
    r = post(
        client, "/v1/calls", [{**RECORD, "queue": tenant.queue}], tenant, key=tenant.client_key
    )
    assert r.status_code == 403
    assert r.json()["error"] == "a client key may not do this; needs a vendor key"


def test_revoked_key_is_401(client, tenant, database):
    with database.session_scope() as session:
        assert revoke_key(session, tenant.key[:12]) == 1
    r = post(client, "/v1/calls", [{**RECORD, "queue": tenant.queue}], tenant)
    assert r.status_code == 401


def test_keys_are_stored_hashed(tenant, pg):
    stored = pg.execute(
        "SELECT key_hash, prefix FROM api_keys WHERE prefix = %s", [tenant.key[:12]]
    ).fetchone()
    assert bytes(stored[0]) == hash_key(tenant.key)
    assert tenant.key.encode() not in bytes(stored[0])
    dump = pg.execute("SELECT string_agg(api_keys::text, '') FROM api_keys").fetchone()[0]
    assert tenant.key not in dump


def test_rate_limit_answers_429_with_retry_after(settings, database, tenant):
    limited = settings.model_copy(update={"rate_limit_per_s": 0.5, "rate_limit_burst": 2})
    with TestClient(create_app(limited, database)) as fresh:
        codes = [
            post(fresh, "/v1/calls", [{**RECORD, "queue": tenant.queue}], tenant).status_code
            for _ in range(3)
        ]
        last = post(fresh, "/v1/calls", [{**RECORD, "queue": tenant.queue}], tenant)
    assert codes[:2] == [200, 200] and codes[2] == 429
    assert last.status_code == 429 and int(last.headers["retry-after"]) >= 1
