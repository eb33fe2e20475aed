"""Interval and day stats: additive components per (client, subject, interval or local day).

Both are kept by the aggregator; day stats are sums of interval stats per local day of the
client's timezone (the day of each interval's start), what whole-day reports read.

Ratios are never stored; they are computed from summed components at read time
(`app.kpi.definitions`), so any rollup is exact. Each component's column is named as in the
catalogue (`app.kpi.sources`); tests/kpi/test_catalogue.py ties the two together.
"""

from datetime import date, datetime

from sqlalchemy import BigInteger, Identity, Numeric, PrimaryKeyConstraint, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column

Seconds = Numeric(14, 3)
# Sums of call and ticket durations, kept by deltas: exact to the microsecond of the facts'
# timestamps, so a sum of deltas equals the sum a recompute makes (no rounding per pass).
ExactSeconds = Numeric(18, 6)


class CallComponents:
    """The additive call components (sources.CALLS), shared by interval and day."""

    answered: Mapped[int]
    abandoned: Mapped[int]
    short_abandoned: Mapped[int]
    answered_within_threshold: Mapped[int]
    abandoned_within_threshold: Mapped[int]
    wait_answered_s: Mapped[float] = mapped_column(ExactSeconds)
    handled: Mapped[int]
    talk_s: Mapped[float] = mapped_column(ExactSeconds)
    hold_s: Mapped[float] = mapped_column(ExactSeconds)
    held: Mapped[int]
    acw_s: Mapped[float] = mapped_column(ExactSeconds)
    transferred: Mapped[int]
    resolved_known: Mapped[int]
    resolved: Mapped[int]
    surveyed: Mapped[int]
    csat_sum: Mapped[float] = mapped_column(Numeric(14, 2))
    outbound: Mapped[int]
    received: Mapped[int]
    overflowed: Mapped[int]
    blocked: Mapped[int]
    callbacks: Mapped[int]
    exit_timeout: Mapped[int]
    exit_key: Mapped[int]
    exit_empty: Mapped[int]
    exit_leave_empty: Mapped[int]
    exit_join_empty: Mapped[int]
    exit_full: Mapped[int]
    exit_closed: Mapped[int]
    exit_diverted: Mapped[int]


class CallIntervalStats(CallComponents, Base):
    """Inbound call components per queue, agent (0 = none), vendor and interval of
    `offered_at`."""

    __tablename__ = "call_interval_stats"
    __table_args__ = (
        PrimaryKeyConstraint("client_id", "queue_id", "interval_start", "agent_id", "vendor_id"),
    )

    client_id: Mapped[int]
    queue_id: Mapped[int]
    interval_start: Mapped[datetime]
    agent_id: Mapped[int]
    vendor_id: Mapped[int]


class CallMinuteStats(Base):
    """The components rolling windows sum (`sources.RECENT_CALLS`) per queue, vendor and
    minute of `offered_at`, for the last hour only (`sources.MINUTES_KEPT`)."""

    __tablename__ = "call_minute_stats"
    __table_args__ = (PrimaryKeyConstraint("client_id", "queue_id", "minute_start", "vendor_id"),)

    client_id: Mapped[int]
    queue_id: Mapped[int]
    minute_start: Mapped[datetime]
    vendor_id: Mapped[int]
    answered: Mapped[int]
    abandoned: Mapped[int]
    overflowed: Mapped[int]
    answered_within_threshold: Mapped[int]
    abandoned_within_threshold: Mapped[int]
    arrivals: Mapped[int]


class CallDayStats(CallComponents, Base):
    """Call components per queue, agent (0 = none), vendor and local day of the client's
    timezone."""

    __tablename__ = "call_day_stats"
    __table_args__ = (
        PrimaryKeyConstraint("client_id", "queue_id", "day", "agent_id", "vendor_id"),
    )

    client_id: Mapped[int]
    queue_id: Mapped[int]
    day: Mapped[date]
    agent_id: Mapped[int]
    vendor_id: Mapped[int]


class AgentComponents:
    """Seconds in each logged-in state (sources.AGENTS)."""

    available_s: Mapped[float] = mapped_column(Seconds)
    talking_s: Mapped[float] = mapped_column(Seconds)
    acw_state_s: Mapped[float] = mapped_column(Seconds)
    not_ready_s: Mapped[float] = mapped_column(Seconds)


class AgentIntervalStats(AgentComponents, Base):
    """Seconds an agent spent in each logged-in state, split at interval edges."""

    __tablename__ = "agent_interval_stats"
    __table_args__ = (PrimaryKeyConstraint("client_id", "agent_id", "interval_start"),)

    client_id: Mapped[int]
    agent_id: Mapped[int]
    interval_start: Mapped[datetime]


class AgentDayStats(AgentComponents, Base):
    """Agent state seconds per local day of the client's timezone (of the intervals' starts)."""

    __tablename__ = "agent_day_stats"
    __table_args__ = (PrimaryKeyConstraint("client_id", "agent_id", "day"),)

    client_id: Mapped[int]
    agent_id: Mapped[int]
    day: Mapped[date]


class TicketIntervalStats(Base):
    """Ticket components per queue, channel, vendor and interval of `created_at`."""

    __tablename__ = "ticket_interval_stats"
    __table_args__ = (
        PrimaryKeyConstraint("client_id", "queue_id", "channel", "interval_start", "vendor_id"),
    )

    client_id: Mapped[int]
    queue_id: Mapped[int]
    channel: Mapped[str] = mapped_column(String(8))
    interval_start: Mapped[datetime]
    vendor_id: Mapped[int]
    tickets_created: Mapped[int]
    tickets_responded: Mapped[int]
    tickets_responded_within_target: Mapped[int]
    ticket_frt_sum_s: Mapped[float] = mapped_column(ExactSeconds)
    tickets_resolved: Mapped[int]
    tickets_resolved_within_target: Mapped[int]
    tickets_open: Mapped[int]
    complaints: Mapped[int] = mapped_column(server_default="0")
    valid_complaints: Mapped[int] = mapped_column(server_default="0")


class StatsChange(Base):
    """One fact row's signed contribution to the call or ticket stats, not yet applied.

    The ingest merge writes, in the fact's own transaction, the stored row with sign -1
    (when it existed) and the merged row with sign +1, for every row it changes: the fact
    columns the subject's stats read (`app.kpi.repository.CHANGE_COLUMNS`: a call's or a
    ticket's, the other's left NULL), typed as in the fact tables, so applying them reads
    no JSON. `subject` is the marker subject (`queue`, `ticket_queue`), `subject_id` the
    row's queue; `interval_start` the row's interval on the ingest grid; `logged_at` tells
    the aggregation lag. The aggregator applies and deletes these rows
    (`app.kpi.repository.apply_changes`); a recompute deletes those it absorbed.
    """

    __tablename__ = "stats_changes"
    __table_args__ = (PrimaryKeyConstraint("client_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
    subject: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[int]
    subject_id: Mapped[int]
    interval_start: Mapped[datetime]
    sign: Mapped[int] = mapped_column(SmallInteger)
    logged_at: Mapped[datetime] = created_at_column()
    # A call's (calls)
    direction: Mapped[str | None] = mapped_column(String(8))
    offered_at: Mapped[datetime | None]
    offered_known: Mapped[bool | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    agent_id: Mapped[int | None]
    talk_s: Mapped[float | None] = mapped_column(Numeric(10, 3))
    hold_s: Mapped[float | None] = mapped_column(Numeric(10, 3))
    acw_s: Mapped[float | None] = mapped_column(Numeric(10, 3))
    acw_done_at: Mapped[datetime | None]
    transferred: Mapped[bool | None]
    resolved: Mapped[bool | None]
    csat: Mapped[float | None] = mapped_column(Numeric(6, 2))
    exit_reason: Mapped[str | None] = mapped_column(String(16))
    # Both
    vendor_id: Mapped[int | None]
    # A ticket's (tickets)
    channel: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    ticket_type: Mapped[str | None] = mapped_column(String(32))
    valid: Mapped[bool | None]
