"""Rejections stored at chosen times, for listing tests (ingest stores them at `now()`)."""

import json
import secrets
from dataclasses import dataclass

import pytest

from app.access.keys import create_key
from tests.factories import Tenant

# name: (vendor, client, kind, received_at UTC, errors, payload); vendor/client are
# "v"/"w" (the tenant's vendor / other vendor) and "c"/"d" (its client / other client).
ROWS = {
    "r1": ("v", "c", "calls", "2026-11-20T01:00:00Z", ["offered_at: needs a UTC offset"], "a"),
    "r6": ("v", "c", "calls", "2026-11-20T01:00:00Z", ["talk_s: must be ≥ 0"], "=HYPERLINK(1)"),
    "r2": ("v", None, "calls", "2026-11-20T02:00:00Z", ["queue: unknown queue 'nowhere'"], "b"),
    "r3": ("v", "d", "tickets", "2026-11-21T00:00:00Z", ["created_at: in the future"], "c"),
    "r4": ("w", "c", "agent-events", "2026-11-21T01:00:00Z", ["agent: x", "at: y"], "d"),
    "r5": ("w", None, "call-events", "2026-11-22T00:00:00Z", ["record: not JSON"], "e"),
}


@dataclass(frozen=True)
class Seeded:
    """The tenant, the stored ids by name, and keys of every kind."""

    tenant: Tenant
    ids: dict[str, int]
    admin_key: str
    supervisor_key: str
    vendor_supervisor_key: str


def seed(pg, tenant: Tenant, rows: dict = ROWS) -> dict[str, int]:
    """Store `rows` as rejections of the tenant's vendors and clients; return their ids."""
    vendors = {"v": tenant.vendor, "w": tenant.other_vendor}
    clients = {"c": tenant.client, "d": tenant.other_client}
    ids = {}
    # Ids looked up first: Citus refuses subqueries in an INSERT's VALUES.
    client_ids = {
        code: pg.execute("SELECT id FROM clients WHERE code = %s", [code]).fetchone()[0]
        for code in clients.values()
    }
    vendor_ids = {
        code: pg.execute("SELECT id FROM vendors WHERE code = %s", [code]).fetchone()[0]
        for code in vendors.values()
    }
    for name, (vendor, client, kind, at, errors, payload) in rows.items():
        ids[name] = pg.execute(
            "INSERT INTO rejected_records (client_id, vendor_id, kind, record_index, record_key,"
            " payload, payload_hash, errors, received_at) VALUES ("
            " %s, %s, %s, 1, %s, %s, %s, %s::jsonb, %s) RETURNING id",
            [
                client_ids.get(clients.get(client)),
                vendor_ids[vendors[vendor]],
                kind,
                f"key-{name}",
                payload,
                secrets.token_bytes(32),
                json.dumps(errors),
                at,
            ],
        ).fetchone()[0]
    return ids


@pytest.fixture
def seeded(database, pg, tenant) -> Seeded:
    """The rejections of `ROWS`, stored for a fresh tenant, with keys to read them."""
    ids = seed(pg, tenant)
    with database.session_scope() as session:
        keys = (
            create_key(session, "admin"),
            create_key(session, "supervisor"),
            create_key(session, "supervisor", vendor_code=tenant.vendor),
        )
    return Seeded(tenant, ids, *keys)
