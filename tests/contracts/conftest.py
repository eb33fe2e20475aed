"""Fixtures of the SLA tests: the app's HTTP client, and a contract with a day of calls."""

import pytest
from fastapi.testclient import TestClient

from tests.contracts.helpers import DESIGN_CONTRACT, apply, contract_entry, ingest
from tests.factories import cdr


@pytest.fixture(scope="session")
def http(client: TestClient) -> TestClient:
    """Return the app's HTTP client, named apart from the client codes these tests pass."""
    return client


@pytest.fixture
def per_workload(http, database, settings, tenant):
    """DESIGN §10's contract on the vendor's queue, and ten calls on 10 November (Shanghai).

    8 answered in 10 s, 1 in 40 s, 1 abandoned after 30 s; two surveyed at 90.
    """
    entry = contract_entry(
        tenant,
        **DESIGN_CONTRACT,
    )
    apply(database, entry)
    at = "2026-11-10T09:{:02d}:00+08:00"
    calls = [cdr(f"w{i}", tenant.queue, at.format(i), wait=10, agent="a1") for i in range(8)]
    calls[0]["csat"] = calls[1]["csat"] = 90
    calls.append(cdr("w8", tenant.queue, at.format(8), wait=40, agent="a2"))
    calls.append(cdr("w9", tenant.queue, at.format(9), gave_up_after=30))
    ingest(http, database, settings, tenant, "/v1/calls", calls)
    return entry
