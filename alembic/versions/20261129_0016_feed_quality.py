"""feed quality: per-day feed counters, and queues' service hours

`feed_quality_counts` holds what each vendor's feed delivered per client, local day and
record kind (accepted, duplicates, rejected by field, a lateness histogram and its maximum),
added to by every ingest batch. `queues.hours` holds a queue's service hours (null: always
open). Nothing existing changes: counting starts with the first batch after the upgrade.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 23:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `feed_quality_counts` and add `queues.hours`."""
    op.create_table(
        "feed_quality_counts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("measure", sa.String(length=80), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_quality_counts")),
        sa.UniqueConstraint(
            "client_id",
            "vendor_id",
            "day",
            "kind",
            "measure",
            name=op.f("uq_feed_quality_counts_client_id_vendor_id_day_kind_measure"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.add_column(
        "queues", sa.Column("hours", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )


def downgrade() -> None:
    """Drop `queues.hours` and `feed_quality_counts`."""
    op.drop_column("queues", "hours")
    op.drop_table("feed_quality_counts")
