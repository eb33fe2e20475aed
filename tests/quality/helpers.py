"""Helpers of the feed-quality tests: a tenant with service hours, and the route's totals."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.access.keys import create_key
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.db import Database


@dataclass(frozen=True)
class Feed:
    """A Berlin client whose queue is open Sundays 01:00-04:00, served by `vendor` (its key
    `key`); `rival` serves another queue of the client; `outsider` is another client."""

    client: str
    outsider: str
    vendor: str
    rival: str
    queue: str
    key: str
    rival_key: str
    client_key: str
    outsider_key: str
    admin_key: str

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


def make_feed_tenant(database: Database, hours: dict | None = None) -> Feed:
    """Create the tenants of `Feed` with fresh codes."""
    s = secrets.token_hex(4)
    spec = TenancyFile.model_validate(
        {
            "clients": [
                {"code": f"fc{s}", "name": "Berlin", "timezone": "Europe/Berlin"},
                {"code": f"fx{s}", "name": "Outsider", "timezone": "Asia/Shanghai"},
            ],
            "vendors": [{"code": f"fv{s}", "name": "V"}, {"code": f"fr{s}", "name": "R"}],
            "queues": [
                {
                    "code": f"fq{s}",
                    "client": f"fc{s}",
                    "vendors": [f"fv{s}"],
                    "hours": hours or {"sun": "01:00-04:00"},
                },
                {"code": f"fo{s}", "client": f"fc{s}", "vendors": [f"fr{s}"]},
                {"code": f"fy{s}", "client": f"fx{s}", "vendors": [f"fr{s}"]},
            ],
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
        keys = [
            create_key(session, "vendor", vendor_code=f"fv{s}"),
            create_key(session, "vendor", vendor_code=f"fr{s}"),
            create_key(session, "client", client_code=f"fc{s}"),
            create_key(session, "client", client_code=f"fx{s}"),
            create_key(session, "admin"),
        ]
    return Feed(f"fc{s}", f"fx{s}", f"fv{s}", f"fr{s}", f"fq{s}", *keys)


def ago(seconds: float) -> str:
    """Return the RFC 3339 time `seconds` before now."""
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat()


def around_today() -> dict[str, str]:
    """Return `from`/`to` covering yesterday to tomorrow (any client's today is in it)."""
    today = datetime.now(UTC).date()
    return {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=2))}


def quality(http, key: str, **params: str):
    """GET /v1/feeds/quality with `key`; return the response."""
    return http.get("/v1/feeds/quality", params=params, headers={"Authorization": f"Bearer {key}"})
