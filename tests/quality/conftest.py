"""Fixtures of the feed-quality tests: the feed fixtures of tests/ingest/feeds, and a
database of its own for the migration round trip."""

from collections.abc import Iterator

import pytest

from app.core.db import Database, create_database, drop_database
from app.migrate import upgrade
from tests.ingest.feeds.fixtures import make_feed, test_formats

__all__ = ["make_feed", "own_database", "test_formats"]


@pytest.fixture
def own_database(database_url: str) -> Iterator[Database]:
    """A database of its own, for a test that moves its schema back and forth."""
    url = create_database(database_url, "callpulse_migrations")
    database = Database(url, pool_size=2)
    upgrade(database)
    yield database
    database.dispose()
    drop_database(url)
