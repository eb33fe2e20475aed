"""Monthly partitions of the fact tables: created ahead of time, and on demand for backfills.

A partition is created as a plain table and then attached, which takes only a
SHARE UPDATE EXCLUSIVE lock on the parent, so ingest into other months goes on meanwhile.
"""

import re
import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from app.core.locks import Lock, wait_for_lock

PARTITION_COLUMNS = {"calls": "offered_at", "agent_state_changes": "at", "tickets": "created_at"}
_PARTITION_NAME = re.compile(rf"^({'|'.join(PARTITION_COLUMNS)})_p\d{{6}}$")


def is_partition(name: str | None) -> bool:
    """Tell whether a table name is a monthly partition (made at run time, not by migrations)."""
    return bool(name and _PARTITION_NAME.match(name))


def include_in_migrations(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    """Alembic `include_object` hook: leave monthly partitions out of schema comparisons."""
    return not (type_ == "table" and is_partition(name))


def month_start(moment: datetime) -> datetime:
    """Return the first instant (UTC) of the month holding `moment`."""
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, 1, tzinfo=UTC)


def next_month(month: datetime) -> datetime:
    """Return the first instant of the month after `month`."""
    return month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)


def partition_name(table: str, month: datetime) -> str:
    """Name the partition of `table` for `month`, e.g. `calls_p202611` (`calls_p009901`)."""
    return f"{table}_p{month.year:04d}{month.month:02d}"


class PartitionManager:
    """Create missing monthly partitions; remembers the ones it has seen in this process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._known: set[str] | None = None
        self._lock = threading.Lock()

    def ensure(self, needed: Iterable[tuple[str, datetime]]) -> list[str]:
        """Create the partitions for every `(table, moment)` not yet covered; return new names."""
        months = {(table, month_start(moment)) for table, moment in needed}
        wanted = {partition_name(table, month): (table, month) for table, month in months}
        with self._lock:
            if self._known is None or not wanted.keys() <= self._known:
                self._known = self._existing()
            missing = {name: spec for name, spec in wanted.items() if name not in self._known}
            if not missing:
                return []
            with self.engine.begin() as conn:
                wait_for_lock(conn, Lock.PARTITIONS)
                existing = self._existing(conn)
                created = []
                for name, (table, month) in sorted(missing.items()):
                    if name not in existing:
                        self._create(conn, table, name, month)
                        created.append(name)
            self._known |= missing.keys()
            return created

    def ensure_ahead(self, now: datetime, months_ahead: int) -> list[str]:
        """Create this month's partitions and the next `months_ahead` months' ones."""
        month = month_start(now)
        needed = []
        for _ in range(months_ahead + 1):
            needed += [(table, month) for table in PARTITION_COLUMNS]
            month = next_month(month)
        return self.ensure(needed)

    def _existing(self, conn=None) -> set[str]:  # type: ignore[no-untyped-def]
        query = text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY(:parents)"
        )
        params = {"parents": list(PARTITION_COLUMNS)}
        if conn is not None:
            return set(conn.execute(query, params).scalars())
        with self.engine.connect() as own:
            return set(own.execute(query, params).scalars())

    @staticmethod
    def _create(conn, table: str, name: str, month: datetime) -> None:  # type: ignore[no-untyped-def]
        bounds = f"FROM ('{month.isoformat()}') TO ('{next_month(month).isoformat()}')"
        conn.execute(
            text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        )
        conn.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES {bounds}"))
