"""queue targets; rules may follow them

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "queues",
        sa.Column(
            "targets",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    op.alter_column("alert_rules", "threshold", existing_type=sa.Double(), nullable=True)


def downgrade() -> None:
    """Revert this revision."""
    following = "SELECT id FROM alert_rules WHERE threshold IS NULL"
    op.execute(
        "DELETE FROM alert_deliveries WHERE alert_id IN"
        f" (SELECT id FROM alerts WHERE rule_id IN ({following}))"
    )
    op.execute(f"DELETE FROM alerts WHERE rule_id IN ({following})")
    op.execute("DELETE FROM alert_rules WHERE threshold IS NULL")
    op.alter_column("alert_rules", "threshold", existing_type=sa.Double(), nullable=False)
    op.drop_column("queues", "targets")
