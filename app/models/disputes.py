"""Disputes of an SLA period (争议): a window and/or calls one party asks to exclude.

A dispute is `open` until the other party agrees (its window and calls are then excluded
from the contract's figures), rejects it, or the opener withdraws it. Each step, the
opening included, is a row of its thread, so who did what and when is never overwritten.
"""

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column

DISPUTE_STATES = ("open", "agreed", "rejected", "withdrawn")
DISPUTE_STEPS = ("opened", "commented", "agreed", "rejected", "withdrawn")
SIDES = ("client", "vendor", "admin")


class Dispute(Base):
    """What one party disputes: a KPI (or `all`) of a contract over a window and/or calls.

    `period_start`/`period_end` bound the period it was opened for (the window and calls lie
    inside); `vendor_id` is the contract's, kept here so a vendor's listing needs no join.
    """

    __tablename__ = "disputes"
    __table_args__ = (
        CheckConstraint(f"state IN {DISPUTE_STATES!r}", name="state"),
        CheckConstraint(f"opened_side IN {SIDES!r}", name="opened_side"),
        CheckConstraint("window_start IS NULL OR window_end > window_start", name="window"),
        Index("ix_disputes_contract_period", "contract_id", "period_start"),
        Index("ix_disputes_client_period", "client_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10), doc="as written: 2026-11, 2026-W47, …")
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    kpi: Mapped[str] = mapped_column(String(64), doc="a target key of the contract, or all")
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    call_ids: Mapped[list[str]] = mapped_column(
        ARRAY(String(128)), server_default=text("'{}'::varchar[]")
    )
    reason: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[str] = mapped_column(Text, server_default="")
    state: Mapped[str] = mapped_column(String(16), server_default="open")
    opened_side: Mapped[str] = mapped_column(String(8))
    opened_at: Mapped[datetime] = created_at_column()


class DisputeStep(Base):
    """One step of a dispute's thread: opened, commented, agreed, rejected or withdrawn."""

    __tablename__ = "dispute_steps"
    __table_args__ = (
        CheckConstraint(f"step IN {DISPUTE_STEPS!r}", name="step"),
        CheckConstraint(f"side IN {SIDES!r}", name="side"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dispute_id: Mapped[int] = mapped_column(
        ForeignKey("disputes.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = created_at_column()
    step: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200), doc="the user, the key's label")
    role: Mapped[str] = mapped_column(String(16), doc="admin, supervisor, client, vendor")
    side: Mapped[str] = mapped_column(String(8), doc="the party: client, vendor or admin")
    text: Mapped[str] = mapped_column(Text, server_default="")
