"""claimed intervals: markers a pass has taken, kept until its recompute commits

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 12:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claimed_intervals",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("interval_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "claimed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint(
            "client_id",
            "subject",
            "subject_id",
            "interval_start",
            name=op.f("pk_claimed_intervals"),
        ),
    )


def downgrade() -> None:
    op.drop_table("claimed_intervals")
