"""held calls: the call component `held` (handled calls with hold_s > 0) in call stats

Existing rows get their value computed here from the calls, so no rebuild is needed: interval
rows per the interval grid the aggregator writes (`CALLPULSE_INTERVAL_MINUTES`, read as the
aggregator reads it), day rows as the sums of their interval rows per local day. The rule is
the catalogue's (`app.kpi.sources`): an inbound call offered (offered_known), answered and
ended, with hold_s > 0.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 16:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.config import get_settings

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("call_interval_stats", "call_day_stats")


def upgrade() -> None:
    """Add `held` to interval and day call stats and fill it from the calls."""
    for table in TABLES:
        op.add_column(table, sa.Column("held", sa.Integer(), nullable=False, server_default="0"))
        op.alter_column(table, "held", server_default=None)
    minutes = get_settings().interval_minutes
    op.execute(
        "UPDATE call_interval_stats s SET held = h.held FROM (SELECT client_id, queue_id,"
        f" date_bin(interval '{minutes} minutes', offered_at,"
        " TIMESTAMPTZ '2000-01-01 00:00+00') AS interval_start,"
        " coalesce(agent_id, 0) AS agent_id, count(*) AS held FROM calls"
        " WHERE offered_known AND direction = 'inbound' AND answered_at IS NOT NULL"
        " AND ended_at IS NOT NULL AND hold_s > 0 GROUP BY 1, 2, 3, 4) h"
        " WHERE s.client_id = h.client_id AND s.queue_id = h.queue_id"
        " AND s.interval_start = h.interval_start AND s.agent_id = h.agent_id"
    )
    op.execute(
        "UPDATE call_day_stats d SET held = h.held FROM (SELECT s.client_id, s.queue_id,"
        " (s.interval_start AT TIME ZONE c.timezone)::date AS day, s.agent_id,"
        " sum(s.held) AS held FROM call_interval_stats s JOIN clients c ON c.id = s.client_id"
        " WHERE s.held > 0 GROUP BY 1, 2, 3, 4) h"
        " WHERE d.client_id = h.client_id AND d.queue_id = h.queue_id AND d.day = h.day"
        " AND d.agent_id = h.agent_id"
    )


def downgrade() -> None:
    """Drop `held` from the call stats."""
    for table in TABLES:
        op.drop_column(table, "held")
