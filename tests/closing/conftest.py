"""Fixtures of the period-close tests: the SLA tests' HTTP client and contract with calls."""

from tests.contracts.conftest import http, per_workload

__all__ = ["http", "per_workload"]
