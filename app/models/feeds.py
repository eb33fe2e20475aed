"""Feeds (DESIGN §13): a vendor's source in its own format, and how to read it."""

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class Feed(Base):
    """A feed as `callpulse apply` wrote it: the vendor, the format and its options.

    `queues` maps the source's queue names (text) to CallPulse queue codes the vendor
    serves; `options` is the format's own block as the adapter's `Options` validated it
    (only the keys the YAML gave, so a default changed in code applies to every feed).
    """

    __tablename__ = "feeds"
    __table_args__ = (CheckConstraint("max_age_days > 0", name="max_age_days_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    format: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64))
    queues: Mapped[dict[str, str]] = mapped_column(
        JSONB, server_default=text("'{}'::jsonb"), doc="source queue name → queue code"
    )
    options: Mapped[dict[str, Any]] = mapped_column(
        JSONB, server_default=text("'{}'::jsonb"), doc="the format's block, as given"
    )
    max_age_days: Mapped[int | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()


class FeedActivity(Base):
    """When each vendor's feed last changed a record of each queue (a call or a ticket).

    Kept by the aggregator from the change rows it applies or absorbs (a replayed record
    changes nothing, logs no change, and does not count), so the live view reads one row per
    feed and queue instead of scanning the day's facts for their newest `updated_at`.
    """

    __tablename__ = "feed_activity"

    client_id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(primary_key=True)
    last_at: Mapped[datetime]


class AgentFeedActivity(Base):
    """When each vendor's agent feed last changed a state change of a client.

    Kept by the aggregator from the changes it recomputes agent intervals from (a replayed
    change changes nothing, marks no interval, and does not count), so the live view reads
    one row per client and vendor instead of scanning the day's changes for their newest
    `updated_at`.
    """

    __tablename__ = "agent_feed_activity"

    client_id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(primary_key=True)
    last_at: Mapped[datetime]
