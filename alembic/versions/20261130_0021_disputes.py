"""disputes: a party's request to exclude a window or calls from an SLA period, and its thread

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 00:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `disputes` and `dispute_steps`."""
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kpi", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "call_ids",
            sa.ARRAY(sa.String(length=128)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("evidence", sa.Text(), server_default="", nullable=False),
        sa.Column("state", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("opened_side", sa.String(length=8), nullable=False),
        sa.Column(
            "opened_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "state IN ('open', 'agreed', 'rejected', 'withdrawn')", name=op.f("ck_disputes_state")
        ),
        sa.CheckConstraint(
            "opened_side IN ('client', 'vendor', 'admin')", name=op.f("ck_disputes_opened_side")
        ),
        sa.CheckConstraint(
            "window_start IS NULL OR window_end > window_start", name=op.f("ck_disputes_window")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_disputes_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_disputes_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name=op.f("fk_disputes_vendor_id_vendors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    op.create_index("ix_disputes_contract_period", "disputes", ["contract_id", "period_start"])
    op.create_index("ix_disputes_client_period", "disputes", ["client_id", "period_start"])
    op.create_table(
        "dispute_steps",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "step IN ('opened', 'commented', 'agreed', 'rejected', 'withdrawn')",
            name=op.f("ck_dispute_steps_step"),
        ),
        sa.CheckConstraint(
            "side IN ('client', 'vendor', 'admin')", name=op.f("ck_dispute_steps_side")
        ),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name=op.f("fk_dispute_steps_dispute_id_disputes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_steps")),
    )
    op.create_index(op.f("ix_dispute_steps_dispute_id"), "dispute_steps", ["dispute_id"])


def downgrade() -> None:
    """Drop `dispute_steps` and `disputes`."""
    op.drop_table("dispute_steps")
    op.drop_table("disputes")
