"""Period close (DESIGN §10): each party's close of a contract's period, and the frozen report."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column

CLOSE_SIDES = ("client", "vendor", "admin")


class PeriodClose(Base):
    """One side's close of a contract's period (`period` as written: 2026-11, 2026-W46, a day).

    A period is closed once both the client and the vendor side have closed it, or an admin
    did. A reopen deletes these rows (the audit log keeps who closed and reopened when).
    """

    __tablename__ = "period_closes"
    __table_args__ = (
        UniqueConstraint("contract_id", "period", "side"),
        CheckConstraint("side IN ('client', 'vendor', 'admin')", name="side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    period: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(8), doc="client, vendor or admin")
    actor: Mapped[str] = mapped_column(String(200), doc="the user or key label that closed it")
    role: Mapped[str] = mapped_column(String(16), doc="the principal's kind")
    at: Mapped[datetime] = created_at_column()


class ClosedReport(Base):
    """A closed period's SLA report as frozen: canonical JSON text and its SHA-256 (hex).

    `canonical` is kept as text, byte for byte what was hashed (JSONB would reorder keys and
    reformat numbers). `restatement` is the last live-vs-closed difference recorded in the
    audit log, so a restatement is recorded once, not on every read.
    """

    __tablename__ = "closed_reports"
    __table_args__ = (UniqueConstraint("contract_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    period: Mapped[str] = mapped_column(String(16))
    canonical: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    closed_by: Mapped[str] = mapped_column(String(420), doc="who closed it: each side's actor")
    closed_at: Mapped[datetime] = created_at_column()
    restatement: Mapped[list[dict[str, object]] | None] = mapped_column(JSONB)
