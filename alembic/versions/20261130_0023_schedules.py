"""schedules: agents' planned segments (work, break, lunch, training, meeting, off)

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 01:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `schedule_segments`."""
    op.create_table(
        "schedule_segments",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activity", sa.String(length=16), nullable=False),
        sa.Column("queue_ids", sa.ARRAY(sa.Integer()), nullable=True),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "activity IN ('work', 'break', 'lunch', 'training', 'meeting', 'off')",
            name=op.f("ck_schedule_segments_activity"),
        ),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_schedule_segments_span")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_schedule_segments_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name=op.f("fk_schedule_segments_vendor_id_vendors")
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_schedule_segments_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_segments")),
    )
    op.create_index(
        "ix_schedule_segments_agent_start",
        "schedule_segments",
        ["client_id", "agent_id", "start_at"],
    )
    op.create_index(
        "ix_schedule_segments_client_start", "schedule_segments", ["client_id", "start_at"]
    )


def downgrade() -> None:
    """Drop `schedule_segments`."""
    op.drop_table("schedule_segments")
