"""Bring a database to the newest schema: Alembic migrations, then partitions ahead."""

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config

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


def upgrade(database: Database, months_ahead: int = 3) -> None:
    """Apply every pending migration and create the coming months' partitions."""
    config = alembic_config()
    with database.engine.begin() as conn:
        wait_for_lock(conn, Lock.MIGRATIONS)
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    PartitionManager(database.engine).ensure_ahead(datetime.now(UTC), months_ahead)
