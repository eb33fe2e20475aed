"""vendor in call and ticket stats: a vendor's figures on a shared queue are its own

Call and ticket stats rows gain `vendor_id` in their key, so a vendor key's metrics on a
queue several vendors serve count the records its own feed sent: exactly the rows
`/v1/calls` and `/v1/tickets` list for it. Existing rows take their vendor where it is
certain: a call row of a named agent, that agent's vendor (an agent belongs to the vendor
whose feed created it); any other row of a queue one vendor serves, that vendor. The rest
(queues several vendors serve, or none now) get vendor 0 and their intervals are marked for
the aggregator, whose next pass recomputes them, and their local days, from the facts.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 00:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table: (its key without the vendor, the marker subject of its intervals or None for days)
TABLES = {
    "call_interval_stats": (("client_id", "queue_id", "interval_start", "agent_id"), "queue"),
    "call_day_stats": (("client_id", "queue_id", "day", "agent_id"), None),
    "ticket_interval_stats": (
        ("client_id", "queue_id", "channel", "interval_start"),
        "ticket_queue",
    ),
}
# The only vendor serving a queue, where there is exactly one.
SOLE_VENDOR = (
    "(SELECT min(qv.vendor_id) FROM queue_vendors qv WHERE qv.queue_id = s.queue_id"
    " HAVING count(*) = 1)"
)


def upgrade() -> None:
    """Add `vendor_id` to the stats keys; fill it where certain, mark the rest for rebuild."""
    for table, (key, subject) in TABLES.items():
        op.add_column(table, sa.Column("vendor_id", sa.Integer(), nullable=True))
        agent = "agent_id" in key
        by_agent = "(SELECT a.vendor_id FROM agents a WHERE a.id = s.agent_id)"
        known = f"coalesce({by_agent}, {SOLE_VENDOR})" if agent else SOLE_VENDOR
        op.execute(f"UPDATE {table} s SET vendor_id = coalesce({known}, 0)")
        if subject:
            op.execute(
                "INSERT INTO dirty_intervals (client_id, subject, subject_id, interval_start)"
                f" SELECT DISTINCT client_id, '{subject}', queue_id, interval_start FROM {table}"
                " WHERE vendor_id = 0 ORDER BY 1, 3, 4 ON CONFLICT DO NOTHING"
            )
        op.alter_column(table, "vendor_id", nullable=False)
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.create_primary_key(f"pk_{table}", table, [*key, "vendor_id"])


def downgrade() -> None:
    """Sum each key's rows over its vendors and drop `vendor_id`."""
    for table, (key, _) in TABLES.items():
        columns = [
            name
            for (name,) in op.get_bind().execute(
                sa.text(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = :table AND table_schema = current_schema()"
                    " AND column_name <> ALL(:keys) ORDER BY ordinal_position"
                ),
                {"table": table, "keys": [*key, "vendor_id"]},
            )
        ]
        keys, sums = ", ".join(key), ", ".join(f"sum({c}) AS {c}" for c in columns)
        op.execute(
            f"CREATE TEMPORARY TABLE merged AS SELECT {keys}, {sums} FROM {table} GROUP BY {keys}"
        )
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.drop_column(table, "vendor_id")
        op.execute(f"DELETE FROM {table}")
        op.execute(f"INSERT INTO {table} ({keys}, {', '.join(columns)}) SELECT * FROM merged")
        op.execute("DROP TABLE merged")
        op.create_primary_key(f"pk_{table}", table, list(key))
