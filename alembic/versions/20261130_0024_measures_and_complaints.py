"""measures: KPIs measured outside the ACD and their submissions; tickets: complaints

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 01:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `measures` and `measurements`; add complaint fields and components to tickets."""
    op.create_table(
        "measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("higher_is_better", sa.Boolean(), nullable=False),
        sa.Column("formula_en", sa.Text(), server_default="", nullable=False),
        sa.Column("formula_zh", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "unit IN ('ratio', 'count', 'score', 'hours')", name=op.f("ck_measures_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
        sa.UniqueConstraint("code", name=op.f("uq_measures_code")),
    )
    op.create_table(
        "measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("evidence", sa.Text(), server_default="", nullable=False),
        sa.Column("state", sa.String(length=16), server_default="submitted", nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "state IN ('submitted', 'confirmed', 'disputed')", name=op.f("ck_measurements_state")
        ),
        sa.CheckConstraint("period_end > period_start", name=op.f("ck_measurements_period")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_measurements_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measures.id"],
            name=op.f("fk_measurements_measure_id_measures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name=op.f("fk_measurements_vendor_id_vendors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurements")),
        sa.UniqueConstraint(
            "measure_id",
            "client_id",
            "vendor_id",
            "period",
            name=op.f("uq_measurements_measure_id_client_id_vendor_id_period"),
        ),
    )
    op.create_index(op.f("ix_measurements_client_id"), "measurements", ["client_id"])
    op.create_index(op.f("ix_measurements_vendor_id"), "measurements", ["vendor_id"])
    op.add_column("tickets", sa.Column("ticket_type", sa.String(length=32), nullable=True))
    op.add_column("tickets", sa.Column("valid", sa.Boolean(), nullable=True))
    for name in ("complaints", "valid_complaints"):
        op.add_column(
            "ticket_interval_stats",
            sa.Column(name, sa.Integer(), server_default="0", nullable=False),
        )


def downgrade() -> None:
    """Drop the complaint fields and components, `measurements` and `measures`."""
    for name in ("complaints", "valid_complaints"):
        op.drop_column("ticket_interval_stats", name)
    op.drop_column("tickets", "valid")
    op.drop_column("tickets", "ticket_type")
    op.drop_table("measurements")
    op.drop_table("measures")
