"""Fixtures of the period-close tests: the SLA tests' HTTP client and contract with calls.

The closing page's browser test lives in tests/dashboards, beside the one session browser.
"""

from tests.contracts.conftest import http, per_workload

__all__ = ["http", "per_workload"]
