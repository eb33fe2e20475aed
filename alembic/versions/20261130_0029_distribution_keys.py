"""distribution keys: every key of a table distributed by client leads with `client_id`

Citus distributes a table by `client_id` only when each of its primary keys and unique
constraints holds that column, and a foreign key between two distributed tables joins on it.
`alerts` becomes keyed `(client_id, id)`, its one-active-alert index
`(client_id, rule_id, queue_id)`; `alert_deliveries` gets `client_id` (filled from its alert)
and refers to `alerts (client_id, id)`; `stats_changes`, `qa_evaluations` and
`schedule_segments` are keyed `(client_id, id)`. Each `ALTER TABLE` holds one subcommand:
Citus propagates a DDL statement on a distributed table only that way (alembic/README).

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-30 06:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("state <> 'resolved'")
KEYED_BY_ID = ("stats_changes", "qa_evaluations", "schedule_segments")


def upgrade() -> None:
    """Lead every key of the alert, stats-change, QA and schedule tables with `client_id`."""
    op.drop_constraint("fk_alert_deliveries_alert_id_alerts", "alert_deliveries", "foreignkey")
    _rekey("alerts", ["client_id", "id"])
    op.drop_index("uq_alerts_active", table_name="alerts", postgresql_where=ACTIVE)
    op.create_index(
        "uq_alerts_active",
        "alerts",
        ["client_id", "rule_id", "queue_id"],
        unique=True,
        postgresql_where=ACTIVE,
    )
    op.add_column("alert_deliveries", sa.Column("client_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE alert_deliveries d SET client_id = a.client_id"
        " FROM alerts a WHERE a.id = d.alert_id"
    )
    op.alter_column("alert_deliveries", "client_id", nullable=False)
    _rekey("alert_deliveries", ["client_id", "id"])
    op.drop_index("ix_alert_deliveries_alert_id", table_name="alert_deliveries")
    op.create_index(
        "ix_alert_deliveries_client_id_alert_id", "alert_deliveries", ["client_id", "alert_id"]
    )
    op.create_foreign_key(
        "fk_alert_deliveries_client_id_alerts",
        "alert_deliveries",
        "alerts",
        ["client_id", "alert_id"],
        ["client_id", "id"],
    )
    for table in KEYED_BY_ID:
        _rekey(table, ["client_id", "id"])


def downgrade() -> None:
    """Key the tables by `id` again and drop `alert_deliveries.client_id`."""
    for table in KEYED_BY_ID:
        _rekey(table, ["id"])
    op.drop_constraint("fk_alert_deliveries_client_id_alerts", "alert_deliveries", "foreignkey")
    op.drop_index("ix_alert_deliveries_client_id_alert_id", table_name="alert_deliveries")
    op.create_index("ix_alert_deliveries_alert_id", "alert_deliveries", ["alert_id"])
    _rekey("alert_deliveries", ["id"])
    op.drop_column("alert_deliveries", "client_id")
    op.drop_index("uq_alerts_active", table_name="alerts", postgresql_where=ACTIVE)
    op.create_index(
        "uq_alerts_active", "alerts", ["rule_id", "queue_id"], unique=True, postgresql_where=ACTIVE
    )
    _rekey("alerts", ["id"])
    op.create_foreign_key(
        "fk_alert_deliveries_alert_id_alerts", "alert_deliveries", "alerts", ["alert_id"], ["id"]
    )


def _rekey(table: str, columns: list[str]) -> None:
    """Replace the table's primary key by one on `columns` (two statements, one subcommand each)."""
    op.drop_constraint(f"pk_{table}", table, "primary")
    op.create_primary_key(f"pk_{table}", table, columns)
