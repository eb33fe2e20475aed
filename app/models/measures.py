"""KPIs measured outside the ACD (attrition, training pass rate, …): declared, then submitted.

A measure is declared in the tenancy YAML (`measures:`); the vendor submits its value per
client and period, and the client confirms or disputes it. Only a confirmed value scores.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.vocabulary import MEASURE_UNITS, MEASUREMENT_STATES
from app.models.base import Base, created_at_column


class Measure(Base):
    """A declared KPI measured outside the ACD: its names, unit, direction and formula."""

    __tablename__ = "measures"
    __table_args__ = (CheckConstraint(f"unit IN {MEASURE_UNITS!r}", name="unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(8))
    higher_is_better: Mapped[bool]
    formula_en: Mapped[str] = mapped_column(Text, server_default="")
    formula_zh: Mapped[str] = mapped_column(Text, server_default="")


class Measurement(Base):
    """A vendor's value of a measure for one client and period, and the client's verdict.

    One row per (measure, client, vendor, period label): a resubmission replaces the value
    and returns it to `submitted`. `period_start`/`period_end` bound the period in the
    client's timezone, so a report can find the measurement whose period holds its own.
    """

    __tablename__ = "measurements"
    __table_args__ = (
        UniqueConstraint("measure_id", "client_id", "vendor_id", "period"),
        CheckConstraint(f"state IN {MEASUREMENT_STATES!r}", name="state"),
        CheckConstraint("period_end > period_start", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    period: Mapped[str] = mapped_column(String(10), doc="as written: 2026-11, 2026-W47, …")
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    value: Mapped[float] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text, server_default="")
    state: Mapped[str] = mapped_column(String(16), server_default="submitted")
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = created_at_column()
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, server_default="", doc="why it was disputed")
