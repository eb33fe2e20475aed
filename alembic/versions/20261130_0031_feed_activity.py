"""feed activity: when each vendor's feed last changed a record of each queue

The live view's feed freshness read the newest `updated_at` of the day's calls and tickets
per vendor and queue: a scan of the whole day, on every wallboard redraw. `feed_activity`
keeps that moment per (client, queue, vendor), written by the aggregator from the change
rows it applies. Filled here from the last day's calls and tickets, as the live view read
them until now.

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-30 14:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `feed_activity` and fill it from the last day's calls and tickets."""
    op.create_table(
        "feed_activity",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "queue_id", "vendor_id", name="pk_feed_activity"),
    )
    op.execute(
        "INSERT INTO feed_activity (client_id, queue_id, vendor_id, last_at)"
        " SELECT client_id, queue_id, vendor_id, max(at) FROM"
        " (SELECT client_id, queue_id, vendor_id, updated_at AS at FROM calls"
        " WHERE offered_at > now() - interval '1 day' UNION ALL"
        " SELECT client_id, queue_id, vendor_id, updated_at FROM tickets"
        " WHERE created_at > now() - interval '1 day') f GROUP BY 1, 2, 3"
    )


def downgrade() -> None:
    """Drop `feed_activity`."""
    op.drop_table("feed_activity")
