"""interval stats

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:47:44.771097+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "agent_interval_stats",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("interval_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("available_s", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("talking_s", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("acw_state_s", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("not_ready_s", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.PrimaryKeyConstraint(
            "client_id", "agent_id", "interval_start", name=op.f("pk_agent_interval_stats")
        ),
    )
    op.create_table(
        "call_interval_stats",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("interval_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("short_abandoned", sa.Integer(), nullable=False),
        sa.Column("answered_within_threshold", sa.Integer(), nullable=False),
        sa.Column("abandoned_within_threshold", sa.Integer(), nullable=False),
        sa.Column("wait_answered_s", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.Column("talk_s", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("hold_s", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("acw_s", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("transferred", sa.Integer(), nullable=False),
        sa.Column("resolved_known", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("surveyed", sa.Integer(), nullable=False),
        sa.Column("csat_sum", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("outbound", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "client_id",
            "queue_id",
            "interval_start",
            "agent_id",
            name=op.f("pk_call_interval_stats"),
        ),
    )
    op.create_table(
        "ticket_interval_stats",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("interval_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tickets_created", sa.Integer(), nullable=False),
        sa.Column("tickets_responded", sa.Integer(), nullable=False),
        sa.Column("tickets_responded_within_target", sa.Integer(), nullable=False),
        sa.Column("ticket_frt_sum_s", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("tickets_resolved", sa.Integer(), nullable=False),
        sa.Column("tickets_resolved_within_target", sa.Integer(), nullable=False),
        sa.Column("tickets_open", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "client_id",
            "queue_id",
            "channel",
            "interval_start",
            name=op.f("pk_ticket_interval_stats"),
        ),
    )
    op.add_column(
        "queues",
        sa.Column(
            "ticket_targets",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("queues", "ticket_targets")
    op.drop_table("ticket_interval_stats")
    op.drop_table("call_interval_stats")
    op.drop_table("agent_interval_stats")
