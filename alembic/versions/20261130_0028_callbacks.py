"""callbacks: calls' callback_of link and the queues' callback_within_min

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30 05:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `calls.callback_of` (with its lookup indexes) and `queues.callback_within_min`."""
    op.add_column("calls", sa.Column("callback_of", sa.String(length=128), nullable=True))
    op.create_index(
        "ix_calls_callback_of",
        "calls",
        ["client_id", "callback_of"],
        unique=False,
        postgresql_where=sa.text("callback_of IS NOT NULL"),
    )
    op.create_index(
        "ix_calls_callback_requests",
        "calls",
        ["client_id", "queue_id", "offered_at"],
        unique=False,
        postgresql_where=sa.text("exit_reason = 'callback'"),
    )
    op.add_column(
        "queues",
        sa.Column("callback_within_min", sa.Integer(), server_default="60", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_queues_callback_within_positive"), "queues", "callback_within_min > 0"
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_constraint(op.f("ck_queues_callback_within_positive"), "queues", type_="check")
    op.drop_column("queues", "callback_within_min")
    op.drop_index("ix_calls_callback_requests", table_name="calls")
    op.drop_index("ix_calls_callback_of", table_name="calls")
    op.drop_column("calls", "callback_of")
