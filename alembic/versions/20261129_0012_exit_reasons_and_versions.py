"""exit reasons and versions: `calls.exit_reason`, `version` on the facts, exit components

Calls get `exit_reason` (DESIGN §5, §7) and every fact table a `version` (a number, or a
timestamp as its epoch seconds: a record older than the stored row's is a duplicate). The
call stats get the components `received`, `overflowed`, `blocked`, `callbacks` and one per
overflow and blocked exit reason (`app.kpi.sources`).

Existing rows need no rebuild: no stored call has an exit reason yet, so every new component
but `received` is 0, and the others keep their meaning (a call ended unanswered without a
reason is abandoned). `received` is computed here from the calls, as the catalogue counts it
(every inbound call, offered_known): interval rows per the interval grid the aggregator
writes (`CALLPULSE_INTERVAL_MINUTES`), day rows as the sums of their interval rows per local
day, as 0011 filled `held`.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 19:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.config import get_settings

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATS = ("call_interval_stats", "call_day_stats")
COMPONENTS = (
    "received",
    "overflowed",
    "blocked",
    "callbacks",
    "exit_timeout",
    "exit_key",
    "exit_empty",
    "exit_leave_empty",
    "exit_join_empty",
    "exit_full",
    "exit_closed",
    "exit_diverted",
)
VERSIONED = ("calls", "tickets", "agent_state_changes")
EXIT_REASONS = (
    "answered",
    "abandoned",
    "timeout",
    "exit_key",
    "exit_empty",
    "leave_empty",
    "join_empty",
    "full",
    "closed",
    "diverted",
    "callback",
)


def upgrade() -> None:
    """Add the columns and constraint, and fill `received` of the stats already written."""
    op.add_column("calls", sa.Column("exit_reason", sa.String(length=16), nullable=True))
    op.create_check_constraint(
        op.f("ck_calls_exit_reason"), "calls", f"exit_reason IN {EXIT_REASONS!r}"
    )
    for table in VERSIONED:
        op.add_column(table, sa.Column("version", sa.Numeric(24, 6), nullable=True))
    for table in STATS:
        for name in COMPONENTS:
            op.add_column(table, sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
            op.alter_column(table, name, server_default=None)
    minutes = get_settings().interval_minutes
    op.execute(
        "UPDATE call_interval_stats s SET received = r.received FROM (SELECT client_id, queue_id,"
        f" date_bin(interval '{minutes} minutes', offered_at,"
        " TIMESTAMPTZ '2000-01-01 00:00+00') AS interval_start,"
        " coalesce(agent_id, 0) AS agent_id, count(*) AS received FROM calls"
        " WHERE offered_known AND direction = 'inbound' GROUP BY 1, 2, 3, 4) r"
        " WHERE s.client_id = r.client_id AND s.queue_id = r.queue_id"
        " AND s.interval_start = r.interval_start AND s.agent_id = r.agent_id"
    )
    op.execute(
        "UPDATE call_day_stats d SET received = r.received FROM (SELECT s.client_id, s.queue_id,"
        " (s.interval_start AT TIME ZONE c.timezone)::date AS day, s.agent_id,"
        " sum(s.received) AS received FROM call_interval_stats s"
        " JOIN clients c ON c.id = s.client_id WHERE s.received > 0 GROUP BY 1, 2, 3, 4) r"
        " WHERE d.client_id = r.client_id AND d.queue_id = r.queue_id AND d.day = r.day"
        " AND d.agent_id = r.agent_id"
    )


def downgrade() -> None:
    """Drop the exit components, the versions and `calls.exit_reason`."""
    for table in STATS:
        for name in COMPONENTS:
            op.drop_column(table, name)
    for table in VERSIONED:
        op.drop_column(table, "version")
    op.drop_constraint(op.f("ck_calls_exit_reason"), "calls", type_="check")
    op.drop_column("calls", "exit_reason")
