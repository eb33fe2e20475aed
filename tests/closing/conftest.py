"""Fixtures of the period-close tests: the SLA tests' HTTP client and contract with calls,
and the page tests' browser."""

from tests.contracts.conftest import http, per_workload
from tests.dashboards.conftest import browser, page

__all__ = ["browser", "http", "page", "per_workload"]
