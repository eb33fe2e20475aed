"""API keys: create (shown once), look up by hash, revoke."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.errors import LockNotAvailable
from sqlalchemy import Row, func, or_, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.core.errors import ConfigError
from app.models import ApiKey, Client, Vendor

KEY_PREFIX = "cpk_"
LAST_USED_EVERY = timedelta(minutes=1)  # how stale `last_used_at` may be
STAMP_WAIT_MS = 20  # the longest a request waits to stamp its key's last use


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
    """Set the key's last use to now, unless another transaction holds the key's row.

    Runs at most about once a minute per key, and never waits more than `STAMP_WAIT`: a row
    another request is stamping (or a revocation holds) is left as it is, so requests with
    the same key do not queue behind each other. The wait is bounded by a lock timeout in a
    savepoint rather than `SKIP LOCKED`, which Citus cannot honour on a reference table (it
    locks the whole shard, on a worker, and waits). `citus.*` settings are plain placeholders
    on PostgreSQL without Citus.
    """
    stale = or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < func.now() - LAST_USED_EVERY)
    try:
        with session.begin_nested():
            # on Citus the row is locked on a worker too: the timeout must travel there
            session.execute(text("SET LOCAL citus.propagate_set_commands = 'local'"))
            session.execute(text(f"SET LOCAL lock_timeout = '{STAMP_WAIT_MS}ms'"))
            session.execute(
                update(ApiKey)
                .where(ApiKey.id == key_id, stale)
                .values(last_used_at=func.now())
                .execution_options(synchronize_session=False)
            )
            session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))  # for the request's work
            session.execute(text("SET LOCAL citus.propagate_set_commands TO DEFAULT"))
    except OperationalError as exc:
        if not isinstance(exc.orig, LockNotAvailable):
            raise


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
