"""Small factories: every test makes its own tenants, with unique codes."""

import csv
import io
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.access.keys import create_key
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.db import Database


@dataclass(frozen=True)
class Tenant:
    """Codes and keys of one test's tenants."""

    client: str
    other_client: str
    vendor: str
    other_vendor: str
    queue: str
    shared_queue: str
    other_queue: str
    foreign_queue: str
    key: str
    other_key: str
    client_key: str

    def auth(self, key: str | None = None) -> dict[str, str]:
        """Return the Authorization header for a key (default: the vendor's)."""
        return {"Authorization": f"Bearer {key or self.key}"}


def make_tenant(database: Database) -> Tenant:
    """Create two clients, two vendors and four queues with fresh codes.

    `queue` is served by `vendor` only, `shared_queue` by both vendors, `other_queue` by
    `other_vendor` only; `foreign_queue` belongs to `other_client` and is served by `vendor`.
    """
    s = secrets.token_hex(4)
    spec = TenancyFile.model_validate(
        {
            "clients": [
                {"code": f"c{s}", "name": "Client", "timezone": "Asia/Shanghai"},
                {"code": f"d{s}", "name": "Other client", "timezone": "Europe/Berlin"},
            ],
            "vendors": [{"code": f"v{s}", "name": "Vendor"}, {"code": f"w{s}", "name": "Other"}],
            "queues": [
                {"code": f"q{s}", "client": f"c{s}", "vendors": [f"v{s}"]},
                {"code": f"s{s}", "client": f"c{s}", "vendors": [f"v{s}", f"w{s}"]},
                {"code": f"o{s}", "client": f"c{s}", "vendors": [f"w{s}"]},
                {"code": f"f{s}", "client": f"d{s}", "vendors": [f"v{s}"]},
            ],
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
        key = create_key(session, "vendor", vendor_code=f"v{s}")
        other_key = create_key(session, "vendor", vendor_code=f"w{s}")
        client_key = create_key(session, "client", client_code=f"c{s}")
    return Tenant(
        client=f"c{s}",
        other_client=f"d{s}",
        vendor=f"v{s}",
        other_vendor=f"w{s}",
        queue=f"q{s}",
        shared_queue=f"s{s}",
        other_queue=f"o{s}",
        foreign_queue=f"f{s}",
        key=key,
        other_key=other_key,
        client_key=client_key,
    )


def encode_body(records: list[dict], fmt: str) -> tuple[bytes, str]:
    """Encode records as a JSON object, JSON array, NDJSON or CSV body."""
    if fmt == "object":
        assert len(records) == 1
        return json.dumps(records[0]).encode(), "application/json"
    if fmt == "array":
        return json.dumps(records).encode(), "application/json"
    if fmt == "ndjson":
        return "\n".join(json.dumps(r) for r in records).encode(), "application/x-ndjson"
    fields = list(dict.fromkeys(name for r in records for name in r))
    out = io.StringIO()
    writer = csv.DictWriter(out, fields)
    writer.writeheader()
    for r in records:
        writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in r.items()})
    return out.getvalue().encode(), "text/csv"


def post(client, path: str, records: list[dict], tenant: Tenant, fmt: str = "array", key=None):
    """POST records in the given format and return the response."""
    body, content_type = encode_body(records, fmt)
    headers = {**tenant.auth(key), "Content-Type": content_type}
    return client.post(path, content=body, headers=headers)


def cdr(
    call_id: str,
    queue: str,
    offered: str,
    *,
    wait: float | None = None,
    talk: float = 100,
    gave_up_after: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A CDR offered at `offered` (RFC 3339), answered after `wait` s and ended after talk,
    or abandoned after `gave_up_after` s."""
    start = datetime.fromisoformat(offered)
    record: dict[str, Any] = {"call_id": call_id, "queue": queue, "offered_at": offered, **extra}
    if wait is not None:
        record["answered_at"] = (start + timedelta(seconds=wait)).isoformat()
        record["ended_at"] = (start + timedelta(seconds=wait + talk)).isoformat()
    if gave_up_after is not None:
        record["ended_at"] = (start + timedelta(seconds=gave_up_after)).isoformat()
    return record
