"""Fixtures of the dispute tests: the HTTP client, DESIGN §10's contract on ten calls, and
the page tests' browser."""

import pytest
from fastapi.testclient import TestClient

from tests.contracts.helpers import DESIGN_CONTRACT, apply, contract_entry, ingest
from tests.dashboards.conftest import browser  # noqa: F401  (the page test's Chromium)
from tests.factories import cdr

DAY = "2026-11-10T09:{:02d}:00+08:00"


@pytest.fixture(scope="session")
def http(client: TestClient) -> TestClient:
    """Return the app's HTTP client, named apart from the client codes these tests pass."""
    return client


@pytest.fixture
def contract(http, database, settings, tenant) -> dict:
    """DESIGN §10's contract on the vendor's queue and ten calls on 10 November (Shanghai).

    w0–w7 at 09:00–09:07 answered in 10 s, w8 at 09:08 in 40 s, w9 at 09:09 abandoned after
    30 s: SL 8/10 met, abandon 1/10 missed (¥100 + ¥50), ASA 120/9 s met, CSAT 90 met;
    score 80, band 1.00, amount 9 × ¥45 − ¥150 = ¥255.
    """
    entry = contract_entry(tenant, **DESIGN_CONTRACT)
    apply(database, entry)
    calls = [cdr(f"w{i}", tenant.queue, DAY.format(i), wait=10, agent="a1") for i in range(8)]
    calls[0]["csat"] = calls[1]["csat"] = 90
    calls.append(cdr("w8", tenant.queue, DAY.format(8), wait=40, agent="a2"))
    calls.append(cdr("w9", tenant.queue, DAY.format(9), gave_up_after=30))
    ingest(http, database, settings, tenant, "/v1/calls", calls)
    return entry
