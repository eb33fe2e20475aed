"""period close: each side's close of a contract's period, and the frozen closed report

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 00:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `period_closes` and `closed_reports`."""
    op.create_table(
        "period_closes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "side IN ('client', 'vendor', 'admin')", name=op.f("ck_period_closes_side")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_period_closes_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_closes")),
        sa.UniqueConstraint(
            "contract_id", "period", "side", name=op.f("uq_period_closes_contract_id_period_side")
        ),
    )
    op.create_table(
        "closed_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("canonical", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("closed_by", sa.String(length=420), nullable=False),
        sa.Column(
            "closed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("restatement", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_closed_reports_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closed_reports")),
        sa.UniqueConstraint(
            "contract_id", "period", name=op.f("uq_closed_reports_contract_id_period")
        ),
    )


def downgrade() -> None:
    """Drop `closed_reports` and `period_closes`."""
    op.drop_table("closed_reports")
    op.drop_table("period_closes")
