"""day stats

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SECONDS = sa.Numeric(precision=14, scale=3)
CALL_COUNTS = ("answered", "abandoned", "short_abandoned", "answered_within_threshold")
CALL_COUNTS += ("abandoned_within_threshold",)


def _call_components() -> list[sa.Column]:
    counts = ["transferred", "resolved_known", "resolved", "surveyed"]
    return [
        *(sa.Column(name, sa.Integer(), nullable=False) for name in CALL_COUNTS),
        sa.Column("wait_answered_s", SECONDS, nullable=False),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.Column("talk_s", SECONDS, nullable=False),
        sa.Column("hold_s", SECONDS, nullable=False),
        sa.Column("acw_s", SECONDS, nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in counts),
        sa.Column("csat_sum", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("outbound", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "agent_day_stats",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("available_s", SECONDS, nullable=False),
        sa.Column("talking_s", SECONDS, nullable=False),
        sa.Column("acw_state_s", SECONDS, nullable=False),
        sa.Column("not_ready_s", SECONDS, nullable=False),
        sa.PrimaryKeyConstraint("client_id", "agent_id", "day", name=op.f("pk_agent_day_stats")),
    )
    op.create_table(
        "call_day_stats",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        *_call_components(),
        sa.PrimaryKeyConstraint(
            "client_id", "queue_id", "day", "agent_id", name=op.f("pk_call_day_stats")
        ),
    )
    # Day stats are sums of interval stats: fill them for the history already aggregated.
    op.execute(
        "INSERT INTO call_day_stats SELECT s.client_id, s.queue_id,"
        " (s.interval_start AT TIME ZONE c.timezone)::date, s.agent_id,"
        + ", ".join(f"sum({name})" for name in CALL_COLUMNS)
        + " FROM call_interval_stats s JOIN clients c ON c.id = s.client_id GROUP BY 1, 2, 3, 4"
    )
    op.execute(
        "INSERT INTO agent_day_stats SELECT s.client_id, s.agent_id,"
        " (s.interval_start AT TIME ZONE c.timezone)::date, sum(available_s), sum(talking_s),"
        " sum(acw_state_s), sum(not_ready_s)"
        " FROM agent_interval_stats s JOIN clients c ON c.id = s.client_id GROUP BY 1, 2, 3"
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("call_day_stats")
    op.drop_table("agent_day_stats")


CALL_COLUMNS = [column.name for column in _call_components()]
