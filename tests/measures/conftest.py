"""Fixtures of the measure tests: the HTTP client, and the tenant's declared measures."""

import pytest
from fastapi.testclient import TestClient

from tests.measures.helpers import declare


@pytest.fixture(scope="session")
def http(client: TestClient) -> TestClient:
    """Return the app's HTTP client, named apart from the client codes these tests pass."""
    return client


@pytest.fixture
def measures(database) -> dict[str, str]:
    """Declare the standard's measures under fresh codes; return code by short name."""
    return declare(database)
