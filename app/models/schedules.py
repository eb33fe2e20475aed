"""Agents' schedules (排班): who is planned to work, or be away, when.

A post replaces the agent's schedule over the span it covers (`ingest.schedules`), so the
stored segments of one agent never overlap. Low volume (a few segments per agent and day):
adherence is computed from these rows and the agent state changes at read time.
"""

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.vocabulary import SCHEDULE_ACTIVITIES
from app.models.base import Base, created_at_column


class ScheduleSegment(Base):
    """One planned segment `[start_at, end_at)` of an agent, with its activity and queues."""

    __tablename__ = "schedule_segments"
    __table_args__ = (
        PrimaryKeyConstraint("client_id", "id"),
        CheckConstraint(f"activity IN {SCHEDULE_ACTIVITIES!r}", name="activity"),
        CheckConstraint("end_at > start_at", name="span"),
        Index("ix_schedule_segments_agent_start", "client_id", "agent_id", "start_at"),
        Index("ix_schedule_segments_client_start", "client_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity())
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    activity: Mapped[str] = mapped_column(String(16))
    queue_ids: Mapped[list[int] | None] = mapped_column(
        ARRAY(Integer),
        doc="the queues it counts for; NULL: every queue the agent's vendor serves",
    )
    received_at: Mapped[datetime] = created_at_column()
