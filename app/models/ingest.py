"""Ingest bookkeeping: records we refused, and intervals the aggregator must recompute."""

from datetime import datetime

from sqlalchemy import BigInteger, Identity, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column


class RejectedRecord(Base):
    """A record refused by validation, kept with its reasons so nothing is lost.

    A replayed rejection is stored once: `(vendor_id, kind, payload_hash)` is unique.
    `feed` names the feed it came through (null on the v1 routes). Listed newest first on
    `(received_at, id)`, for all, one vendor or one client: an index for each.
    """

    __tablename__ = "rejected_records"
    __table_args__ = (
        UniqueConstraint("vendor_id", "kind", "payload_hash", postgresql_nulls_not_distinct=True),
        Index("ix_rejected_records_received_at_id", "received_at", "id"),
        Index("ix_rejected_records_vendor_id_received_at_id", "vendor_id", "received_at", "id"),
        Index("ix_rejected_records_client_id_received_at_id", "client_id", "received_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    client_id: Mapped[int | None]
    vendor_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(16))
    feed: Mapped[str | None] = mapped_column(String(64))
    record_index: Mapped[int]
    record_key: Mapped[str | None] = mapped_column(String(300))
    payload: Mapped[str] = mapped_column(Text)
    payload_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    errors: Mapped[list[str]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = created_at_column()


class DirtyInterval(Base):
    """An interval whose stats must be recomputed because its facts changed.

    `subject` is `queue` (calls), `ticket_queue` (tickets) or `agent` (state changes);
    written with `INSERT … ON CONFLICT DO UPDATE` in the ingest transaction (DESIGN §8).
    """

    __tablename__ = "dirty_intervals"

    client_id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject_id: Mapped[int] = mapped_column(primary_key=True)
    interval_start: Mapped[datetime] = mapped_column(primary_key=True)
    marked_at: Mapped[datetime] = created_at_column()


class ClaimedInterval(Base):
    """A marker a pass has taken, kept until that pass's recompute commits.

    A pass moves markers here in a short transaction of its own, so ingest re-marking the
    same interval never waits for the recompute; a pass that dies leaves its claims to the next.
    """

    __tablename__ = "claimed_intervals"

    client_id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject_id: Mapped[int] = mapped_column(primary_key=True)
    interval_start: Mapped[datetime] = mapped_column(primary_key=True)
    claimed_at: Mapped[datetime] = created_at_column()
