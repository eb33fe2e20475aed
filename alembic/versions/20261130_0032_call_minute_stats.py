"""call minute stats: the last hour's calls per queue, vendor and minute, for rolling windows

The live view summed its rolling windows (service level over the last 10 minutes, arrivals
over the last 30) from every raw call of the window, on every wallboard drawing: a cost
that grows with the traffic. `call_minute_stats` keeps those components per minute for the
last hour, by the aggregator, so a window reads whole minutes from it and raw calls only for
the part of its first minute. The last hour's intervals are marked for the next passes,
which recompute them and fill it.

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-30 14:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMPONENTS = (
    "answered",
    "abandoned",
    "overflowed",
    "answered_within_threshold",
    "abandoned_within_threshold",
    "arrivals",
)


def upgrade() -> None:
    """Create `call_minute_stats`; mark the last hour's call intervals for a recompute."""
    op.create_table(
        "call_minute_stats",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("minute_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COMPONENTS),
        sa.PrimaryKeyConstraint(
            "client_id", "queue_id", "minute_start", "vendor_id", name="pk_call_minute_stats"
        ),
    )
    op.execute(
        "INSERT INTO dirty_intervals (client_id, subject, subject_id, interval_start)"
        " SELECT DISTINCT client_id, 'queue', queue_id, interval_start FROM call_interval_stats"
        " WHERE interval_start > now() - interval '75 minutes' ON CONFLICT DO NOTHING"
    )


def downgrade() -> None:
    """Drop `call_minute_stats`."""
    op.drop_table("call_minute_stats")
