"""Fixtures of the scorecard tests: the app's HTTP client and two vendors of one client."""

import pytest
from fastapi.testclient import TestClient

from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from tests.contracts.helpers import DESIGN_BANDS, apply, billing, contract_entry, ingest
from tests.factories import cdr

TARGETS = {"service_level": {"min": 0.85, "weight": 40}, "asa_s": {"max": 20, "weight": 20}}


@pytest.fixture(scope="session")
def http(client: TestClient) -> TestClient:
    """Return the app's HTTP client, named apart from the client codes these tests pass."""
    return client


def ten_calls(queue: str, tag: str) -> list[dict]:
    """8 answered in 10 s, 1 in 40 s, 1 abandoned after 30 s, on 10 October (Shanghai)."""
    at = "2026-10-10T09:{:02d}:00+08:00"
    calls = [cdr(f"{tag}{i}", queue, at.format(i), wait=10) for i in range(8)]
    calls.append(cdr(f"{tag}8", queue, at.format(8), wait=40))
    calls.append(cdr(f"{tag}9", queue, at.format(9), gave_up_after=30))
    return calls


@pytest.fixture
def two_vendors(http, database, settings, tenant):
    """The client's two vendors (`add_two_vendors`)."""
    return add_two_vendors(http, database, settings, tenant)


def add_two_vendors(http, database, settings, tenant):
    """Give the client two vendors on their own queues, the same ten calls each.

    `vendor` measures SL as A_T / offered (8/10 = 0.80: missed), `other_vendor`'s queue as
    A_T / answered (8/9 ≈ 0.889: met); under the common formula both are 0.80.
    """
    queue = {"code": tenant.other_queue, "client": tenant.client}
    queue |= {"vendors": [tenant.other_vendor], "sl_formula": "answered_only"}
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate({"queues": [queue]}))
    first = contract_entry(
        tenant, targets=TARGETS, billing=billing("per_workload", 4.5, bands=DESIGN_BANDS)
    )
    second = contract_entry(
        tenant,
        vendor=tenant.other_vendor,
        queues=[tenant.other_queue],
        targets=TARGETS,
        billing=billing("per_workload", 6),
    )
    apply(database, first, second)
    ingest(http, database, settings, tenant, "/v1/calls", ten_calls(tenant.queue, "a"))
    ingest(
        http,
        database,
        settings,
        tenant,
        "/v1/calls",
        ten_calls(tenant.other_queue, "b"),
        key=tenant.other_key,
    )
    return first, second
