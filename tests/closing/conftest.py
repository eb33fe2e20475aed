"""Fixtures of the period-close tests: the SLA tests' HTTP client and contract with calls,
and a browser of their own."""

from collections.abc import Iterator

import pytest

from tests.contracts.conftest import http, per_workload
from tests.dashboards.conftest import ARTIFACTS, CHROMIUM, FLAGS, ensure_chromium, page

__all__ = ["browser", "http", "page", "per_workload"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless Chromium for this module only: Playwright's sync API keeps an event loop
    running while it is open, which would break later tests that call `asyncio.run` (the
    suite runs tests/closing before tests/core)."""
    from playwright.sync_api import sync_playwright

    ensure_chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()
