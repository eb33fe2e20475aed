"""API keys: create (shown once), look up by hash, revoke."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, or_, select, update
from sqlalchemy.orm import Session

from app.core.errors import ConfigError
from app.models import ApiKey, Client, Vendor

KEY_PREFIX = "cpk_"
LAST_USED_EVERY = timedelta(minutes=1)  # how stale `last_used_at` may be


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's kind and the tenant it is scoped to."""

    key_id: int
    kind: str
    client_id: int | None = None
    vendor_id: int | None = None
    name: str | None = None  # a browser user's name, for "acknowledged by"


def hash_key(key: str) -> bytes:
    """Return the SHA-256 of a key (keys are 256-bit random, so a fast hash is safe)."""
    return hashlib.sha256(key.encode()).digest()


def create_key(
    session: Session,
    kind: str,
    *,
    vendor_code: str | None = None,
    client_code: str | None = None,
    name: str = "",
) -> str:
    """Store a new key of `kind` for the named tenant and return the key itself."""
    client_id = vendor_id = None
    if kind == "vendor" and not vendor_code:
        raise ConfigError("--vendor CODE is required for a vendor key")
    if kind == "client" and not client_code:
        raise ConfigError("--client CODE is required for a client key")
    if kind in ("vendor", "supervisor") and vendor_code:
        vendor_id = tenant_id(session, Vendor, vendor_code, "vendor")
    elif vendor_code:
        raise ConfigError(f"--vendor does not apply to a {kind} key")
    if kind == "client":
        client_id = tenant_id(session, Client, client_code or "", "client")
    elif client_code:
        raise ConfigError(f"--client does not apply to a {kind} key")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            kind=kind,
            name=name,
            client_id=client_id,
            vendor_id=vendor_id,
            prefix=key[:12],
            key_hash=hash_key(key),
        )
    )
    session.flush()
    return key


def principal_for(session: Session, key: str) -> Principal | None:
    """Return the principal of a live key, or None for an unknown or revoked one."""
    row = session.execute(
        select(
            ApiKey.id, ApiKey.kind, ApiKey.client_id, ApiKey.vendor_id, ApiKey.last_used_at
        ).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    if row.last_used_at is None or row.last_used_at < datetime.now(UTC) - LAST_USED_EVERY:
        _stamp_last_used(session, row.id)
    return Principal(row.id, row.kind, row.client_id, row.vendor_id)


def _stamp_last_used(session: Session, key_id: int) -> None:
    """Set the key's last use to now, unless a request using it is stamping it already.

    Runs at most about once a minute per key, and never waits: a row another request holds
    is skipped, so requests with the same key do not queue behind each other.
    """
    stale = or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < func.now() - LAST_USED_EVERY)
    free = (
        select(ApiKey.id)
        .where(ApiKey.id == key_id, stale)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    session.execute(
        update(ApiKey)
        .where(ApiKey.id == free)
        .values(last_used_at=func.now())
        .execution_options(synchronize_session=False)
    )


def revoke_key(session: Session, prefix: str) -> int:
    """Revoke the live keys starting with `prefix`; return how many were revoked."""
    if len(prefix) < 8:
        raise ConfigError("give at least the first 8 characters of the key")
    keys = session.scalars(
        select(ApiKey).where(ApiKey.prefix.startswith(prefix[:12]), ApiKey.revoked_at.is_(None))
    ).all()
    for api_key in keys:
        api_key.revoked_at = datetime.now(UTC)
    return len(keys)


def revoke_named_keys(session: Session, name: str, vendor_code: str) -> int:
    """Revoke a vendor's live keys called `name` (the demo's earlier keys); return how many."""
    keys = session.scalars(
        select(ApiKey).where(
            ApiKey.name == name,
            ApiKey.vendor_id == tenant_id(session, Vendor, vendor_code, "vendor"),
            ApiKey.revoked_at.is_(None),
        )
    ).all()
    for api_key in keys:
        api_key.revoked_at = datetime.now(UTC)
    return len(keys)


def list_keys(session: Session) -> list[Row[Any]]:
    """Return every key with its client and vendor codes, newest first (no secrets)."""
    return list(
        session.execute(
            select(
                ApiKey.prefix,
                ApiKey.kind,
                Client.code.label("client"),
                Vendor.code.label("vendor"),
                ApiKey.name,
                ApiKey.created_at,
                ApiKey.last_used_at,
                ApiKey.revoked_at,
            )
            .outerjoin(Client, Client.id == ApiKey.client_id)
            .outerjoin(Vendor, Vendor.id == ApiKey.vendor_id)
            .order_by(ApiKey.id.desc())
        )
    )


def principal_label(session: Session, principal: Principal) -> str:
    """Name the principal for "acknowledged by": the user, else the key's label or kind and id."""
    return (
        principal.name
        or session.scalar(select(ApiKey.name).where(ApiKey.id == principal.key_id))
        or f"{principal.kind} key #{principal.key_id}"
    )


def tenant_id(session: Session, model: type[Client] | type[Vendor], code: str, what: str) -> int:
    """Return the id of a client or vendor by code, or a ConfigError saying how to add it."""
    found = session.scalar(select(model.id).where(model.code == code))
    if found is None:
        raise ConfigError(f"unknown {what} {code!r}: add it with `callpulse apply` first")
    return found
