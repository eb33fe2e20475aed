"""QA evaluations (质检): a client's or vendor's evaluator scoring one call or ticket."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Numeric,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column

MAX_ERRORS_PER_EVALUATION = 100
"""More fatal or non-fatal errors than this in one evaluation is a typo, not a finding."""


class QaEvaluation(Base):
    """One evaluation of one contact, unique per `(client_id, evaluation_id)`.

    The contact is a call (`call_id`) or a ticket (`ticket_id`) of the client, exactly one;
    `vendor_id` is the vendor whose contact it is (whose score it counts in), whoever sent it.
    A resent evaluation that differs replaces the row: QA sheets get corrected after review.
    Few rows (a few per agent and day), so KPIs sum them at read time (`app.kpi.sources`).
    """

    __tablename__ = "qa_evaluations"
    __table_args__ = (
        PrimaryKeyConstraint("client_id", "id"),
        UniqueConstraint("client_id", "evaluation_id"),
        CheckConstraint("(call_id IS NULL) <> (ticket_id IS NULL)", name="one_contact"),
        CheckConstraint("mode IN ('live', 'recording')", name="mode"),
        CheckConstraint(
            f"fatal_errors BETWEEN 0 AND {MAX_ERRORS_PER_EVALUATION}"
            f" AND non_fatal_errors BETWEEN 0 AND {MAX_ERRORS_PER_EVALUATION}",
            name="error_counts",
        ),
        CheckConstraint("score BETWEEN 0 AND 100", name="score"),
        Index("ix_qa_evaluations_client_id_evaluated_at", "client_id", "evaluated_at"),
        # each agent-day's evaluations (monitoring coverage, `app.kpi.sources.QA_DAYS`)
        Index("ix_qa_evaluations_agent_day", "client_id", "agent_id", "evaluated_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity())
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    evaluation_id: Mapped[str] = mapped_column(String(128))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    call_id: Mapped[str | None] = mapped_column(String(128))
    ticket_id: Mapped[str | None] = mapped_column(String(128))
    evaluator: Mapped[str] = mapped_column(String(128))
    evaluated_at: Mapped[datetime]
    mode: Mapped[str] = mapped_column(String(16))
    fatal_errors: Mapped[int]
    non_fatal_errors: Mapped[int]
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    items: Mapped[Any | None] = mapped_column(JSONB)
    received_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
