"""clients.holidays: local dates CallPulse's own forecast leaves out of its history

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 05:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `clients.holidays` (empty for every client)."""
    op.add_column(
        "clients",
        sa.Column("holidays", sa.ARRAY(sa.Date()), server_default=sa.text("'{}'"), nullable=False),
    )


def downgrade() -> None:
    """Drop `clients.holidays`."""
    op.drop_column("clients", "holidays")
