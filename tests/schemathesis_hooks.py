"""Schemathesis hooks for tests/core/test_schemathesis.py (loaded by the CLI it runs).

Ingest bodies are fuzzed in their JSON form: NDJSON and CSV bodies are documented as
strings, so any string is "valid by the schema" and most are not a body. Those two readers
are fuzzed by tests/ingest's own property tests instead. Half the cases use the test
tenant's real queue and client codes, so the fuzz reaches the code behind the 404s.
"""

import os
from typing import Any

import schemathesis
from hypothesis import strategies as st

TEXT_BODIES = ("application/x-ndjson", "text/csv")


@schemathesis.hook
def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
    """Keep only the JSON form of request bodies that also accept NDJSON and CSV."""
    for operations in raw_schema.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                for media_type in TEXT_BODIES:
                    content.pop(media_type, None)


def _known_codes() -> dict[str, str]:
    """Return the test tenant's codes by parameter name (from the test's environment)."""
    queue, client = os.environ["CALLPULSE_FUZZ_QUEUE"], os.environ["CALLPULSE_FUZZ_CLIENT"]
    return {"code": queue, "queue": queue, "client": client}


def _with_known_codes(values: dict[str, Any] | None) -> st.SearchStrategy:
    """Keep the generated values, or put the tenant's real codes in (half the time each)."""
    known = {k: v for k, v in _known_codes().items() if values and k in values}
    if not known:
        return st.just(values)
    return st.sampled_from([values, {**(values or {}), **known}])


@schemathesis.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> st.SearchStrategy:
    """Reach past the 404s: half the cases name the tenant's real queue or client."""
    return _with_known_codes(path_parameters)


@schemathesis.hook
def flatmap_query(context: Any, query: dict[str, Any]) -> st.SearchStrategy:
    """Likewise for `queue=` and `client=` in the query."""
    return _with_known_codes(query)
