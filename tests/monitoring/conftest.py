import pytest

from app.access.keys import create_key


@pytest.fixture
def admin_key(database) -> str:
    """A fresh admin key, the kind a Prometheus scraper sends."""
    with database.session_scope() as session:
        return create_key(session, "admin", name="prometheus")
