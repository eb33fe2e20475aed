"""Feed fixtures: the test-only formats registered, and a feed per test (shared with tests/cli)."""

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.db import Database
from ingest import adapters
from tests.factories import Tenant

TEST_FORMATS = {
    "test-lines": "tests.ingest.feeds.lines_adapter",
    "test-hook": "tests.ingest.feeds.hook_adapter",
}


@pytest.fixture
def test_formats(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Register the test-only formats in the adapter registry for this test."""
    for name, module in TEST_FORMATS.items():
        monkeypatch.setitem(adapters.MODULES, name, module)
    yield


@pytest.fixture
def make_feed(database: Database, tenant: Tenant, test_formats: None) -> Callable[..., str]:
    """Declare a `test-lines` feed of the tenant's vendor (overrides as keyword arguments);
    return its name. Source queue `Q` maps to the tenant's queue."""

    def make(**overrides: Any) -> str:
        entry = {
            "name": f"feed-{secrets.token_hex(4)}",
            "vendor": tenant.vendor,
            "format": "test-lines",
            "timezone": "Asia/Shanghai",
            "queues": {"Q": tenant.queue},
            **overrides,
        }
        with database.session_scope() as session:
            apply_tenancy(session, TenancyFile.model_validate({"feeds": [entry]}))
        return str(entry["name"])

    return make
