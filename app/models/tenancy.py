"""Tenants: clients, vendors, the queues a client owns and the vendors serving them."""

from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core.vocabulary import DEFAULT_SL_FORMULA, SL_FORMULA_NAMES
from app.models.base import Base, created_at_column


class Client(Base):
    """A company that hands its contacts to vendors (甲方)."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    holidays: Mapped[list[date]] = mapped_column(
        ARRAY(Date),
        server_default=text("'{}'"),
        doc="local dates the own forecast leaves out of its history (app.forecasting)",
    )
    created_at: Mapped[datetime] = created_at_column()


class Vendor(Base):
    """An outsourcing provider that runs queues for clients (乙方)."""

    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()


class Queue(Base):
    """A client's queue with its service-level settings."""

    __tablename__ = "queues"
    __table_args__ = (
        UniqueConstraint("client_id", "code"),
        CheckConstraint(f"sl_formula IN {SL_FORMULA_NAMES!r}", name="sl_formula"),
        CheckConstraint("sl_threshold_s > 0", name="sl_threshold_positive"),
        CheckConstraint("short_abandon_s >= 0", name="short_abandon_nonnegative"),
        CheckConstraint("callback_within_min > 0", name="callback_within_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sl_threshold_s: Mapped[int] = mapped_column(default=20)
    sl_formula: Mapped[str] = mapped_column(String(32), default=DEFAULT_SL_FORMULA)
    short_abandon_s: Mapped[int] = mapped_column(default=0)
    callback_within_min: Mapped[int] = mapped_column(
        server_default=text("60"), doc="minutes a callback request may wait to be called back"
    )
    ticket_targets: Mapped[dict[str, dict[str, int]]] = mapped_column(
        JSONB, server_default=text("'{}'::jsonb"), doc="per channel: first_response_s, resolution_s"
    )
    targets: Mapped[dict[str, dict[str, float]]] = mapped_column(
        JSONB, server_default=text("'{}'::jsonb"), doc="per KPI: min and/or max"
    )
    hours: Mapped[dict[str, list[str]] | None] = mapped_column(
        JSONB, doc="service hours per open day, client time (app.quality.hours); null: always"
    )
    created_at: Mapped[datetime] = created_at_column()


class QueueVendor(Base):
    """A vendor serving a queue: the vendor's key may ingest records for it."""

    __tablename__ = "queue_vendors"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), primary_key=True)


class Agent(Base):
    """A vendor's agent working for a client; created on first sight in ingested data."""

    __tablename__ = "agents"
    __table_args__ = (
        UniqueConstraint("client_id", "vendor_id", "code"),
        Index("ix_agents_vendor_id_code", "vendor_id", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    code: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = created_at_column()
