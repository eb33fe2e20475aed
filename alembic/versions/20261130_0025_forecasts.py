"""forecasts: planned offered calls, AHT and required agents per queue and interval

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 04:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `forecasts`."""
    op.create_table(
        "forecasts",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("interval_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offered", sa.Double(), nullable=False),
        sa.Column("aht_s", sa.Double(), nullable=True),
        sa.Column("required_agents", sa.Double(), nullable=True),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("offered >= 0", name=op.f("ck_forecasts_offered")),
        sa.CheckConstraint("aht_s IS NULL OR aht_s > 0", name=op.f("ck_forecasts_aht_s")),
        sa.CheckConstraint(
            "required_agents IS NULL OR required_agents >= 0",
            name=op.f("ck_forecasts_required_agents"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_forecasts_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_forecasts_queue_id_queues")
        ),
        sa.PrimaryKeyConstraint(
            "client_id", "queue_id", "source", "interval_start", name=op.f("pk_forecasts")
        ),
    )
    op.create_index("ix_forecasts_client_interval", "forecasts", ["client_id", "interval_start"])


def downgrade() -> None:
    """Drop `forecasts`."""
    op.drop_table("forecasts")
