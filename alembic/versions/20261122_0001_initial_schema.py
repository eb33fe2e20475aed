"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 22:15:06.834963+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "agent_state_changes",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("queue_ids", sa.ARRAY(sa.Integer()), nullable=True),
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
            "state IN ('logged_out', 'available', 'talking', 'acw', 'not_ready')",
            name=op.f("ck_agent_state_changes_state"),
        ),
        sa.PrimaryKeyConstraint("client_id", "agent_id", "at", name=op.f("pk_agent_state_changes")),
        postgresql_partition_by="RANGE (at)",
    )
    op.create_table(
        "call_keys",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "call_id", name=op.f("pk_call_keys")),
    )
    op.create_table(
        "calls",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offered_known", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("talk_s", sa.Numeric(precision=10, scale=3), nullable=True),
        sa.Column("hold_s", sa.Numeric(precision=10, scale=3), nullable=True),
        sa.Column("acw_s", sa.Numeric(precision=10, scale=3), nullable=True),
        sa.Column("acw_done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transferred", sa.Boolean(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=True),
        sa.Column("csat", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("disposition", sa.String(length=200), nullable=True),
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
        sa.CheckConstraint("direction IN ('inbound', 'outbound')", name=op.f("ck_calls_direction")),
        sa.PrimaryKeyConstraint("client_id", "call_id", "offered_at", name=op.f("pk_calls")),
        postgresql_partition_by="RANGE (offered_at)",
    )
    op.create_index(
        "ix_calls_queue_offered", "calls", ["client_id", "queue_id", "offered_at"], unique=False
    )
    op.create_index(
        "ix_calls_waiting",
        "calls",
        ["client_id", "queue_id", "offered_at"],
        unique=False,
        postgresql_where=sa.text("answered_at IS NULL AND ended_at IS NULL"),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("code", name=op.f("uq_clients_code")),
    )
    op.create_table(
        "dirty_intervals",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("interval_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "marked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint(
            "client_id", "subject", "subject_id", "interval_start", name=op.f("pk_dirty_intervals")
        ),
    )
    op.create_table(
        "rejected_records",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("vendor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_index", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=300), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("errors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_records")),
        sa.UniqueConstraint(
            "vendor_id",
            "kind",
            "payload_hash",
            name=op.f("uq_rejected_records_vendor_id_kind_payload_hash"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_table(
        "ticket_keys",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "ticket_id", name=op.f("pk_ticket_keys")),
    )
    op.create_table(
        "tickets",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=32), nullable=True),
        sa.Column("csat", sa.Numeric(precision=6, scale=2), nullable=True),
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
            "channel IN ('email', 'chat', 'web', 'social', 'sms')", name=op.f("ck_tickets_channel")
        ),
        sa.PrimaryKeyConstraint("client_id", "ticket_id", "created_at", name=op.f("pk_tickets")),
        postgresql_partition_by="RANGE (created_at)",
    )
    op.create_index(
        "ix_tickets_queue_created", "tickets", ["client_id", "queue_id", "created_at"], unique=False
    )
    op.create_table(
        "vendors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendors")),
        sa.UniqueConstraint("code", name=op.f("uq_vendors_code")),
    )
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=128), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_agents_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name=op.f("fk_agents_vendor_id_vendors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint(
            "client_id", "vendor_id", "code", name=op.f("uq_agents_client_id_vendor_id_code")
        ),
    )
    op.create_index("ix_agents_vendor_id_code", "agents", ["vendor_id", "code"], unique=False)
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("vendor_id", sa.Integer(), nullable=True),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'vendor' AND vendor_id IS NOT NULL AND client_id IS NULL)"
            " OR (kind = 'client' AND client_id IS NOT NULL AND vendor_id IS NULL)"
            " OR (kind = 'supervisor' AND client_id IS NULL)"
            " OR (kind = 'admin' AND client_id IS NULL AND vendor_id IS NULL)",
            name=op.f("ck_api_keys_scope_matches_kind"),
        ),
        sa.CheckConstraint(
            "kind IN ('vendor', 'client', 'supervisor', 'admin')", name=op.f("ck_api_keys_kind")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_api_keys_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name=op.f("fk_api_keys_vendor_id_vendors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "queues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sl_threshold_s", sa.Integer(), nullable=False),
        sa.Column("sl_formula", sa.String(length=32), nullable=False),
        sa.Column("short_abandon_s", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "sl_formula IN ('abandoned_negative', 'ignore_abandoned',"
            " 'abandoned_positive', 'answered_only')",
            name=op.f("ck_queues_sl_formula"),
        ),
        sa.CheckConstraint(
            "short_abandon_s >= 0", name=op.f("ck_queues_short_abandon_nonnegative")
        ),
        sa.CheckConstraint("sl_threshold_s > 0", name=op.f("ck_queues_sl_threshold_positive")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_queues_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queues")),
        sa.UniqueConstraint("client_id", "code", name=op.f("uq_queues_client_id_code")),
        sa.UniqueConstraint("code", name=op.f("uq_queues_code")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("vendor_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'supervisor', 'client')", name=op.f("ck_users_role")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_users_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name=op.f("fk_users_vendor_id_vendors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "queue_vendors",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_queue_vendors_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_queue_vendors_queue_id_queues")
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name=op.f("fk_queue_vendors_vendor_id_vendors")
        ),
        sa.PrimaryKeyConstraint(
            "client_id", "queue_id", "vendor_id", name=op.f("pk_queue_vendors")
        ),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("queue_vendors")
    op.drop_table("users")
    op.drop_table("queues")
    op.drop_table("api_keys")
    op.drop_index("ix_agents_vendor_id_code", table_name="agents")
    op.drop_table("agents")
    op.drop_table("vendors")
    op.drop_index("ix_tickets_queue_created", table_name="tickets")
    op.drop_table("tickets")
    op.drop_table("ticket_keys")
    op.drop_table("rejected_records")
    op.drop_table("dirty_intervals")
    op.drop_table("clients")
    op.drop_index(
        "ix_calls_waiting",
        table_name="calls",
        postgresql_where=sa.text("answered_at IS NULL AND ended_at IS NULL"),
    )
    op.drop_index("ix_calls_queue_offered", table_name="calls")
    op.drop_table("calls")
    op.drop_table("call_keys")
    op.drop_table("agent_state_changes")
