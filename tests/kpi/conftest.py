"""Fixtures of the KPI tests."""

from collections.abc import Iterator

import pytest

from app.core.db import Database, create_database, drop_database
from app.migrate import upgrade


@pytest.fixture
def own_database(database_url: str) -> Iterator[Database]:
    """A database of its own, for a test that moves its schema back and forth."""
    url = create_database(database_url, "callpulse_migrations")  # on the same server
    database = Database(url, pool_size=2)
    upgrade(database)
    yield database
    database.dispose()
    drop_database(url)
