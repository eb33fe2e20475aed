"""Fixtures of the dispute tests: the HTTP client, and DESIGN §10's contract on ten calls."""

import pytest
from fastapi.testclient import TestClient

from tests.disputes.helpers import design_contract


@pytest.fixture(scope="session")
def http(client: TestClient) -> TestClient:
    """Return the app's HTTP client, named apart from the client codes these tests pass."""
    return client


@pytest.fixture
def contract(http, database, settings, tenant) -> dict:
    """DESIGN §10's contract on ten calls (`helpers.design_contract`)."""
    return design_contract(http, database, settings, tenant)
