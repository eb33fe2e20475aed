"""stats changes: the signed fact rows the aggregator adds to the call and ticket stats

The ingest merge logs each changed call or ticket row (old row -1, new row +1) in
`stats_changes`; a pass adds their components to the stats instead of recomputing whole
intervals. Duration sums become numeric(18, 6), exact to the microsecond of the facts, so a
sum of deltas equals a recomputed sum (a recompute rounded to the millisecond once, a
delta would round at every pass). Call stats rows whose components are all zero (what 0011
kept for intervals whose calls moved away) are deleted: neither mechanism keeps them now.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 18:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXACT = {
    "call_interval_stats": ("wait_answered_s", "talk_s", "hold_s", "acw_s"),
    "call_day_stats": ("wait_answered_s", "talk_s", "hold_s", "acw_s"),
    "ticket_interval_stats": ("ticket_frt_sum_s",),
}


STATS_KEYS = ("client_id", "queue_id", "interval_start", "day", "agent_id")


def upgrade() -> None:
    """Create `stats_changes`, widen the duration sums, drop all-zero call stats rows."""
    op.create_table(
        "stats_changes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("interval_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sign", sa.SmallInteger(), nullable=False),
        sa.Column("fact", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "logged_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_changes")),
    )
    _retype_sums(sa.Numeric(14, 3), sa.Numeric(18, 6))
    for table in ("call_interval_stats", "call_day_stats"):  # every component, as it stands
        components = op.get_bind().execute(
            sa.text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = :table"
                " AND table_schema = current_schema() AND column_name <> ALL(:keys)"
            ),
            {"table": table, "keys": list(STATS_KEYS)},
        )
        all_zero = " AND ".join(f"{name} = 0" for (name,) in components)
        op.execute(f"DELETE FROM {table} WHERE {all_zero}")


def downgrade() -> None:
    """Mark the intervals of unapplied changes dirty, drop `stats_changes`, narrow the sums."""
    op.execute(
        "INSERT INTO dirty_intervals (client_id, subject, subject_id, interval_start)"
        " SELECT DISTINCT client_id, subject, subject_id, interval_start FROM stats_changes"
        " ON CONFLICT DO NOTHING"
    )
    _retype_sums(sa.Numeric(18, 6), sa.Numeric(14, 3))
    op.drop_table("stats_changes")


def _retype_sums(old: sa.Numeric, new: sa.Numeric) -> None:
    """Change the type of every duration sum of `EXACT` from `old` to `new`."""
    for table, columns in EXACT.items():
        for column in columns:
            op.alter_column(table, column, type_=new, existing_type=old, existing_nullable=False)
