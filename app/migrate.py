"""Bring a database to the newest schema: Alembic migrations, partitions ahead, and on a
Citus cluster the new tables laid out like the others."""

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config

from app import distribute as distribution
from app.core.config import PROJECT_ROOT
from app.core.db import Database
from app.core.errors import ConfigError
from app.core.locks import Lock, wait_for_lock
from app.partitions import PartitionManager


def alembic_config() -> Config:
    """Return the project's Alembic configuration (`alembic.ini` at the project root)."""
    ini = PROJECT_ROOT / "alembic.ini"
    if not ini.exists():
        raise ConfigError(
            f"{ini} not found: install CallPulse from its source tree (pip install -e .)"
        )
    return Config(str(ini))


def upgrade(database: Database, months_ahead: int = 3) -> list[str]:
    """Apply every pending migration and create the coming months' partitions; on a
    distributed database, lay out the tables the migrations added (return their names).

    New partitions of a distributed table are distributed by Citus as they are attached.
    A new table's foreign keys must not make it a "Citus local table" (which `distribute`
    could not convert if it has an identity column), hence the setting during migrations."""
    distributed = distribution.is_distributed(database.engine)
    config = alembic_config()
    with database.engine.begin() as conn:
        wait_for_lock(conn, Lock.MIGRATIONS)
        if distributed:
            distribution.keep_new_tables_plain(conn)
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    PartitionManager(database.engine).ensure_ahead(datetime.now(UTC), months_ahead)
    return distribution.distribute(database.engine) if distributed else []


def distribute(database: Database, months_ahead: int = 3) -> list[str]:
    """Upgrade the database, then lay every table out on Citus; return the tables converted."""
    converted = upgrade(database, months_ahead)
    converted += distribution.distribute(database.engine)
    database.engine.dispose()  # sessions from now on start with the database's settings
    return converted
