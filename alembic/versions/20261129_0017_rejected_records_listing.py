"""rejected records listing: the feed a rejection came through, and keyset indexes

`GET /v1/rejected` and `callpulse rejects` page newest first on (received_at, id), for
everything (admin), one vendor or one client: an index per way in keeps each page an index
range scan on a big table. `feed` names the feed (`POST /v1/feeds/{name}`, `callpulse import
--feed`) a rejection came through; existing rows and the v1 routes leave it null.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 09:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_rejected_records_received_at_id": ["received_at", "id"],
    "ix_rejected_records_vendor_id_received_at_id": ["vendor_id", "received_at", "id"],
    "ix_rejected_records_client_id_received_at_id": ["client_id", "received_at", "id"],
}


def upgrade() -> None:
    """Add `rejected_records.feed` and the listing's indexes."""
    op.add_column("rejected_records", sa.Column("feed", sa.String(length=64), nullable=True))
    for name, columns in INDEXES.items():
        op.create_index(name, "rejected_records", columns)


def downgrade() -> None:
    """Drop the listing's indexes and `rejected_records.feed`."""
    for name in INDEXES:
        op.drop_index(name, table_name="rejected_records")
    op.drop_column("rejected_records", "feed")
