"""Browser users (argon2 passwords) and read-only share links for TV wallboards."""

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.access.keys import Principal, tenant_id
from app.core.errors import ConfigError
from app.models import Client, ShareLink, User, Vendor

HASHER = PasswordHasher()
SHARE_PREFIX = "cps_"


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    client_code: str | None = None,
    vendor_code: str | None = None,
) -> User:
    """Store a user with an argon2 hash of the password."""
    if role not in ("admin", "supervisor", "client"):
        raise ConfigError(f"--role {role!r}: use admin, supervisor or client")
    password_hash = hash_password(password)
    if role == "client" and not client_code:
        raise ConfigError("--client CODE is required for a client user")
    if session.scalar(select(User.id).where(User.username == username)):
        raise ConfigError(f"user {username!r} exists already")
    client_id = tenant_id(session, Client, client_code, "client") if client_code else None
    vendor_id = tenant_id(session, Vendor, vendor_code, "vendor") if vendor_code else None
    user = User(
        username=username,
        password_hash=password_hash,
        role=role,
        client_id=client_id,
        vendor_id=vendor_id,
    )
    session.add(user)
    session.flush()
    return user


def hash_password(password: str) -> str:
    """Return the argon2 hash of an acceptable password."""
    if len(password) < 8:
        raise ConfigError("the password needs at least 8 characters")
    return HASHER.hash(password)


def list_users(session: Session) -> list[Row[Any]]:
    """Return every user with their client and vendor codes, by name."""
    return list(
        session.execute(
            select(
                User.username,
                User.role,
                Client.code.label("client"),
                Vendor.code.label("vendor"),
                User.created_at,
                User.disabled_at,
            )
            .outerjoin(Client, Client.id == User.client_id)
            .outerjoin(Vendor, Vendor.id == User.vendor_id)
            .order_by(User.username)
        )
    )


def set_disabled(session: Session, username: str, disabled: bool) -> None:
    """Disable a user (their open sessions are refused at the next request) or enable them."""
    user = _user(session, username)
    if disabled == (user.disabled_at is not None):
        raise ConfigError(f"user {username!r} is {'disabled' if disabled else 'enabled'} already")
    user.disabled_at = datetime.now(UTC) if disabled else None


def reset_password(session: Session, username: str, password: str) -> None:
    """Replace a user's password."""
    _user(session, username).password_hash = hash_password(password)


def renew_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    client_code: str | None = None,
    vendor_code: str | None = None,
) -> None:
    """Give an existing user a new password and enable them, or create them (the demo's)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        create_user(
            session, username, password, role, client_code=client_code, vendor_code=vendor_code
        )
        return
    user.password_hash = hash_password(password)
    user.disabled_at = None


def revoke_share_links_named(session: Session, prefix: str) -> int:
    """Revoke the live share links whose name starts with `prefix`; return how many."""
    links = session.scalars(
        select(ShareLink).where(ShareLink.name.startswith(prefix), ShareLink.revoked_at.is_(None))
    ).all()
    for link in links:
        link.revoked_at = datetime.now(UTC)
    return len(links)


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ConfigError(f"no user named {username!r}; see `callpulse users list`")
    return user


def authenticate(session: Session, username: str, password: str) -> Principal | None:
    """Return the principal of a user whose password matches, else None."""
    user = (
        None
        if "\x00" in username  # no stored name holds one, and PostgreSQL refuses it as a value
        else session.scalar(
            select(User).where(User.username == username, User.disabled_at.is_(None))
        )
    )
    if user is None:
        HASHER.hash(password)  # same work either way: no timing hint that the user exists
        return None
    try:
        HASHER.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    return user_principal(session, user.id)


def create_share_link(session: Session, name: str, client_code: str | None = None) -> str:
    """Store a share link and return its token (shown once)."""
    if session.scalar(select(ShareLink.id).where(ShareLink.name == name)):
        raise ConfigError(f"a share link named {name!r} exists already; revoke it or pick another")
    client_id = tenant_id(session, Client, client_code, "client") if client_code else None
    token = SHARE_PREFIX + secrets.token_urlsafe(24)
    session.add(
        ShareLink(
            name=name,
            client_id=client_id,
            prefix=token[:12],
            token_hash=hashlib.sha256(token.encode()).digest(),
        )
    )
    session.flush()
    return token


def share_principal(session: Session, token: str) -> Principal | None:
    """Return a read-only principal for a live share token, else None."""
    link = session.scalar(
        select(ShareLink).where(
            ShareLink.token_hash == hashlib.sha256(token.encode()).digest(),
            ShareLink.revoked_at.is_(None),
        )
    )
    return Principal(-1_000_000 - link.id, "share", link.client_id, None) if link else None


def revoke_share_link(session: Session, name: str) -> None:
    """Revoke a share link by name: TVs using it are refused at their next request."""
    link = session.scalar(
        select(ShareLink).where(ShareLink.name == name, ShareLink.revoked_at.is_(None))
    )
    if link is None:
        raise ConfigError(f"no live share link named {name!r}")
    link.revoked_at = datetime.now(UTC)


def user_principal(session: Session, user_id: int) -> Principal | None:
    """Return the principal of an enabled user by id (for a session cookie)."""
    user = session.get(User, user_id)
    if user is None or user.disabled_at is not None:
        return None
    return Principal(-user.id, user.role, user.client_id, user.vendor_id, user.username)
