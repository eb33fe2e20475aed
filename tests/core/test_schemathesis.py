"""Schemathesis over /openapi.json with a vendor, a client and an admin key (fixed seed).

Checks: no 5xx, every status answered is documented, responses and content types conform
to the schema, and requests that are valid by the schema are accepted. The budget per key is
`CALLPULSE_FUZZ_EXAMPLES` cases per operation (default 25), so the run stays a few minutes.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.access.keys import create_key
from tests.factories import Tenant

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "positive_data_acceptance",
    )
)


@pytest.fixture
def admin_key(database) -> str:
    """An admin key for this test."""
    with database.session_scope() as session:
        return create_key(session, "admin")


@pytest.mark.parametrize("kind", ["vendor", "client", "admin"])
def test_openapi_fuzz_finds_nothing(kind, live_server, tenant: Tenant, admin_key, tmp_path):
    key = {"vendor": tenant.key, "client": tenant.client_key, "admin": admin_key}[kind]
    examples = os.environ.get("CALLPULSE_FUZZ_EXAMPLES", "25")
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{live_server}/openapi.json",
        "--checks",
        CHECKS,
        "--header",
        f"Authorization: Bearer {key}",
        "--seed",
        "20261129",
        "--max-examples",
        examples,
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        "--output-truncate",
        "true",
        "--request-timeout",
        "30",
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
        check=False,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CALLPULSE_FUZZ_QUEUE": tenant.queue,
            "CALLPULSE_FUZZ_CLIENT": tenant.client,
        },
    )
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
