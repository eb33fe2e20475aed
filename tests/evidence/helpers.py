"""Shared by the evidence tests: read a listing page as a client (or another) key."""

from tests.factories import Tenant

DAY = {"from": "2026-11-20", "to": "2026-11-21"}  # in Shanghai: 2026-11-19T16:00Z onwards


def listed(client, tenant: Tenant, key: str | None = None, path: str = "/v1/calls", **params):
    """GET a listing of the tenant's queue over `DAY` (params override; None leaves out)."""
    response = client.get(
        path,
        params={k: v for k, v in {"queue": tenant.queue, **DAY, **params}.items() if v},
        headers=tenant.auth(key or tenant.client_key),
    )
    assert response.status_code == 200, response.text
    return response.json()
