"""typed stats changes: a change row keeps the fact columns the stats read, not a JSON copy

`stats_changes.fact` (the whole call or ticket row as jsonb) gives way to typed columns:
those the catalogue's call and ticket components read (`app.kpi.repository.CHANGE_COLUMNS`),
typed as in `calls` and `tickets`. Logging a change writes less and applying one reads its
columns directly instead of rebuilding a row from JSON. Change rows not yet applied are
not converted: their intervals are marked dirty and they are deleted, so the next pass
recomputes those intervals from the facts (what a recompute does with the change rows it
absorbs). The downgrade does the same the other way. Each `ALTER TABLE` holds one
subcommand, for Citus (alembic/README).

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-30 10:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Seconds = sa.Numeric(10, 3)
# The columns of calls (then tickets) the call (ticket) components read, as typed there.
COLUMNS = {
    "direction": sa.String(length=8),
    "offered_at": sa.DateTime(timezone=True),
    "offered_known": sa.Boolean(),
    "answered_at": sa.DateTime(timezone=True),
    "ended_at": sa.DateTime(timezone=True),
    "agent_id": sa.Integer(),
    "talk_s": Seconds,
    "hold_s": Seconds,
    "acw_s": Seconds,
    "acw_done_at": sa.DateTime(timezone=True),
    "transferred": sa.Boolean(),
    "resolved": sa.Boolean(),
    "csat": sa.Numeric(6, 2),
    "exit_reason": sa.String(length=16),
    "vendor_id": sa.Integer(),
    "channel": sa.String(length=8),
    "created_at": sa.DateTime(timezone=True),
    "first_response_at": sa.DateTime(timezone=True),
    "resolved_at": sa.DateTime(timezone=True),
    "ticket_type": sa.String(length=32),
    "valid": sa.Boolean(),
}


def upgrade() -> None:
    """Turn pending changes into markers; replace `fact` by the typed columns."""
    _pending_to_markers()
    op.drop_column("stats_changes", "fact")
    for name, kind in COLUMNS.items():
        op.add_column("stats_changes", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    """Turn pending changes into markers; replace the typed columns by `fact`."""
    _pending_to_markers()
    for name in COLUMNS:
        op.drop_column("stats_changes", name)
    op.add_column(
        "stats_changes",
        sa.Column("fact", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    )


def _pending_to_markers() -> None:
    """Mark the intervals of unapplied change rows dirty and delete the rows: the next pass
    recomputes those intervals from the facts."""
    op.execute(
        "INSERT INTO dirty_intervals (client_id, subject, subject_id, interval_start)"
        " SELECT DISTINCT client_id, subject, subject_id, interval_start FROM stats_changes"
        " ON CONFLICT DO NOTHING"
    )
    op.execute("DELETE FROM stats_changes")
