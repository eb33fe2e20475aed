"""qa_evaluations: QA evaluations (质检) of calls and tickets

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 02:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `qa_evaluations`, unique per client and evaluation id."""
    op.create_table(
        "qa_evaluations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.String(length=128), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=128), nullable=True),
        sa.Column("ticket_id", sa.String(length=128), nullable=True),
        sa.Column("evaluator", sa.String(length=128), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("fatal_errors", sa.Integer(), nullable=False),
        sa.Column("non_fatal_errors", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(call_id IS NULL) <> (ticket_id IS NULL)", name=op.f("ck_qa_evaluations_one_contact")
        ),
        sa.CheckConstraint("mode IN ('live', 'recording')", name=op.f("ck_qa_evaluations_mode")),
        sa.CheckConstraint(
            "fatal_errors BETWEEN 0 AND 100 AND non_fatal_errors BETWEEN 0 AND 100",
            name=op.f("ck_qa_evaluations_error_counts"),
        ),
        sa.CheckConstraint("score BETWEEN 0 AND 100", name=op.f("ck_qa_evaluations_score")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_qa_evaluations_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_qa_evaluations_queue_id_queues")
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name=op.f("fk_qa_evaluations_vendor_id_vendors")
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_qa_evaluations_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_evaluations")),
        sa.UniqueConstraint(
            "client_id", "evaluation_id", name=op.f("uq_qa_evaluations_client_id_evaluation_id")
        ),
    )
    op.create_index(
        "ix_qa_evaluations_client_id_evaluated_at",
        "qa_evaluations",
        ["client_id", "evaluated_at"],
    )
    op.create_index(
        "ix_qa_evaluations_agent_day", "qa_evaluations", ["client_id", "agent_id", "evaluated_at"]
    )


def downgrade() -> None:
    """Drop `qa_evaluations`."""
    op.drop_index("ix_qa_evaluations_agent_day", table_name="qa_evaluations")
    op.drop_index("ix_qa_evaluations_client_id_evaluated_at", table_name="qa_evaluations")
    op.drop_table("qa_evaluations")
