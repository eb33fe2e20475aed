"""agent feed activity: when each vendor's agent feed last changed a state change of a client

The live view's feed freshness read the newest `updated_at` of the day's agent state
changes per client and vendor: a scan of the whole day (late in a busy day, 200,000 rows
for ten clients), on every wallboard redraw. `agent_feed_activity` keeps that moment per
(client, vendor), written by the aggregator from the changes it recomputes agent intervals
from. Filled here from the last day's changes, as the live view read them until now.

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-30 18:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `agent_feed_activity` and fill it from the last day's agent state changes."""
    op.create_table(
        "agent_feed_activity",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "vendor_id", name="pk_agent_feed_activity"),
    )
    op.execute(
        "INSERT INTO agent_feed_activity (client_id, vendor_id, last_at)"
        " SELECT client_id, vendor_id, max(updated_at) FROM agent_state_changes"
        " WHERE at > now() - interval '1 day' GROUP BY 1, 2"
    )


def downgrade() -> None:
    """Drop `agent_feed_activity`."""
    op.drop_table("agent_feed_activity")
