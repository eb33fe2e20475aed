"""Raw facts pushed by vendors, range-partitioned by month and keyed by `client_id` first.

A call's and a ticket's time can be corrected by a later record, which moves the row to
another partition; the `*_keys` tables keep `(client_id, id)` unique across partitions and
say where the row lives.
"""

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.vocabulary import AGENT_STATES, CALLBACK_EXIT, EXIT_REASONS, TICKET_CHANNELS
from app.models.base import Base

Version = Numeric(24, 6)
"""A record's `version` (ingest.schemas): a number, or a timestamp as its epoch seconds."""


class CallKey(Base):
    """Where the one row of a client's call lives (its `offered_at`)."""

    __tablename__ = "call_keys"

    client_id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    offered_at: Mapped[datetime]


class Call(Base):
    """One call, merged from CDRs and call events in any order."""

    __tablename__ = "calls"
    __table_args__ = (
        PrimaryKeyConstraint("client_id", "call_id", "offered_at"),
        Index("ix_calls_queue_offered", "client_id", "queue_id", "offered_at"),
        Index(
            "ix_calls_waiting",
            "client_id",
            "queue_id",
            "offered_at",
            postgresql_where=text("answered_at IS NULL AND ended_at IS NULL"),
        ),
        Index(
            "ix_calls_callback_of",
            "client_id",
            "callback_of",
            postgresql_where=text("callback_of IS NOT NULL"),
        ),
        Index(
            "ix_calls_callback_requests",
            "client_id",
            "queue_id",
            "offered_at",
            postgresql_where=text(f"exit_reason = '{CALLBACK_EXIT}'"),
        ),
        CheckConstraint("direction IN ('inbound', 'outbound')", name="direction"),
        CheckConstraint(f"exit_reason IN {EXIT_REASONS!r}", name="exit_reason"),
        {"postgresql_partition_by": "RANGE (offered_at)"},
    )

    client_id: Mapped[int]
    call_id: Mapped[str] = mapped_column(String(128))
    offered_at: Mapped[datetime]
    offered_known: Mapped[bool] = mapped_column(
        server_default=text("true"),
        doc="False while only later events arrived; offered_at is then their earliest time.",
    )
    offered_estimated: Mapped[bool] = mapped_column(
        server_default=text("false"),
        doc="True while offered_at is an estimate the source implied; an offered event wins.",
    )
    queue_id: Mapped[int]
    vendor_id: Mapped[int]
    direction: Mapped[str] = mapped_column(String(8))
    answered_at: Mapped[datetime | None]
    answered_estimated: Mapped[bool] = mapped_column(
        server_default=text("false"),
        doc="True while answered_at is an estimate the source implied; an answered event wins.",
    )
    ended_at: Mapped[datetime | None]
    agent_id: Mapped[int | None]
    talk_s: Mapped[float | None] = mapped_column(Numeric(10, 3))
    hold_s: Mapped[float | None] = mapped_column(Numeric(10, 3))
    acw_s: Mapped[float | None] = mapped_column(Numeric(10, 3))
    acw_done_at: Mapped[datetime | None]
    transferred: Mapped[bool]
    resolved: Mapped[bool | None]
    csat: Mapped[float | None] = mapped_column(Numeric(6, 2))
    disposition: Mapped[str | None] = mapped_column(String(200))
    exit_reason: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[float | None] = mapped_column(Version)
    received_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    updated_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    callback_of: Mapped[str | None] = mapped_column(
        String(128), doc="An outbound call's: the call_id of the callback request it returns."
    )


class AgentStateChange(Base):
    """An agent entering a state at a moment."""

    __tablename__ = "agent_state_changes"
    __table_args__ = (
        PrimaryKeyConstraint("client_id", "agent_id", "at"),
        CheckConstraint(f"state IN {AGENT_STATES!r}", name="state"),
        {"postgresql_partition_by": "RANGE (at)"},
    )

    client_id: Mapped[int]
    agent_id: Mapped[int]
    at: Mapped[datetime]
    vendor_id: Mapped[int]
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    unpause: Mapped[bool] = mapped_column(
        server_default=text("false"),
        doc="An unpause: the agent is available unless the last other change logged it out.",
    )
    queue_ids: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    version: Mapped[float | None] = mapped_column(Version)
    received_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    updated_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


class TicketKey(Base):
    """Where the one row of a client's ticket lives (its `created_at`)."""

    __tablename__ = "ticket_keys"

    client_id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[datetime]


class Ticket(Base):
    """An e-mail, chat, web, social or SMS contact with response and resolution times."""

    __tablename__ = "tickets"
    __table_args__ = (
        PrimaryKeyConstraint("client_id", "ticket_id", "created_at"),
        Index("ix_tickets_queue_created", "client_id", "queue_id", "created_at"),
        CheckConstraint(f"channel IN {TICKET_CHANNELS!r}", name="channel"),
        {"postgresql_partition_by": "RANGE (created_at)"},
    )

    client_id: Mapped[int]
    ticket_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    queue_id: Mapped[int]
    vendor_id: Mapped[int]
    channel: Mapped[str] = mapped_column(String(8))
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    agent_id: Mapped[int | None]
    priority: Mapped[str | None] = mapped_column(String(32))
    csat: Mapped[float | None] = mapped_column(Numeric(6, 2))
    version: Mapped[float | None] = mapped_column(Version)
    received_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    updated_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    ticket_type: Mapped[str | None] = mapped_column(String(32), doc="complaint, …")
    valid: Mapped[bool | None] = mapped_column(doc="a complaint found justified (有理投诉)")
