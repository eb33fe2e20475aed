"""estimates and unpauses: calls' estimated offer and answer, agents' unpause changes

A call's offered_at / answered_at may be an estimate its source implied without logging it
(Asterisk's COMPLETEAGENT without its ENTERQUEUE); a real time replaces an estimate when it
arrives. An agent state change may be an unpause, which leaves a logged-out agent logged
out. Existing rows are neither, so their stats stay as aggregated.

The downgrade keeps the stats too: an estimate stays as the call's time, and each unpause
becomes the state it stands for (logged_out after a logoff, else available).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 21:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGS = (
    ("calls", "offered_estimated"),
    ("calls", "answered_estimated"),
    ("agent_state_changes", "unpause"),
)


def upgrade() -> None:
    """Add the estimate flags of calls and the unpause flag of agent state changes."""
    for table, column in FLAGS:
        op.add_column(
            table,
            sa.Column(column, sa.Boolean(), server_default=sa.text("false"), nullable=False),
        )


def downgrade() -> None:
    """Turn each unpause into the state it stands for, then drop the flags."""
    op.execute(
        "UPDATE agent_state_changes a SET state = 'logged_out', reason = NULL"
        " FROM agent_state_changes u CROSS JOIN LATERAL (SELECT x.state FROM"
        " agent_state_changes x WHERE x.client_id = u.client_id AND x.agent_id = u.agent_id"
        " AND x.at < u.at AND NOT x.unpause ORDER BY x.at DESC LIMIT 1) anchor"
        " WHERE u.unpause AND anchor.state = 'logged_out' AND a.client_id = u.client_id"
        " AND a.agent_id = u.agent_id AND a.at = u.at"
    )
    for table, column in FLAGS:
        op.drop_column(table, column)
