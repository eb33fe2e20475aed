"""Who may do what: hashed API keys and browser users."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column

KEY_KINDS = ("vendor", "client", "supervisor", "admin")
USER_ROLES = ("admin", "supervisor", "client")


class ApiKey(Base):
    """An API key; only its SHA-256 is stored, the key itself is shown once."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(f"kind IN {KEY_KINDS!r}", name="kind"),
        CheckConstraint(
            "(kind = 'vendor' AND vendor_id IS NOT NULL AND client_id IS NULL)"
            " OR (kind = 'client' AND client_id IS NOT NULL AND vendor_id IS NULL)"
            " OR (kind = 'supervisor' AND client_id IS NULL)"
            " OR (kind = 'admin' AND client_id IS NULL AND vendor_id IS NULL)",
            name="scope_matches_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id"))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]  # stamped at most once a minute (keys.principal_for)


class User(Base):
    """A person who logs in to the pages; the password is stored as an argon2 hash."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {USER_ROLES!r}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id"))
    created_at: Mapped[datetime] = created_at_column()
    disabled_at: Mapped[datetime | None]


class ShareLink(Base):
    """A revocable read-only link for a TV wallboard; only the token's SHA-256 is stored."""

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None]


class LoginFailure(Base):
    """A failed password login, kept while it counts towards the throttle (all replicas)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_failed_at", "username", "failed_at"),
        Index("ix_login_failures_address_failed_at", "address", "failed_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(128))
    address: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = created_at_column()
