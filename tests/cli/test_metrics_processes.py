"""`serve` (one process or `--workers 2`) and `worker` report through one metrics directory:
/metrics of the API sums every API process's ingest counts and the worker's passes."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.factories import cdr, make_tenant
from tests.monitoring.helpers import parse, value


def start(database_url: str, metrics_dir: Path, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CALLPULSE_METRICS_DIR": str(metrics_dir),
        "CALLPULSE_RATE_LIMIT_PER_S": "0",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(params=["1", "2"], ids=["one API process", "two API workers"])
def processes(database_url: str, tmp_path: Path, request) -> Iterator[tuple[str, Path, int]]:
    """A `serve --workers N --no-scheduler` and a `worker`, sharing a metrics directory."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    metrics_dir = tmp_path / "metrics"
    serve = start(
        database_url,
        metrics_dir,
        *("serve", "--port", str(port), "--workers", request.param, "--no-scheduler"),
    )
    worker = start(database_url, metrics_dir, "worker")
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("callpulse serve did not answer /health within 90 s")
        yield base, metrics_dir, worker.pid
    finally:
        for process in (serve, worker):
            process.send_signal(signal.SIGINT)
        for process in (serve, worker):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def test_serve_workers_and_the_worker_report_through_one_metrics_endpoint(database, processes):
    base, metrics_dir, worker_pid = processes
    tenant = make_tenant(database)
    now = datetime.now(UTC).replace(microsecond=0)
    with httpx.Client(base_url=base, headers=tenant.auth(), timeout=30) as api:
        for batch in range(12):
            records = [
                cdr(
                    f"mp{batch}-{i}",
                    tenant.queue,
                    (now - timedelta(seconds=batch * 10 + i)).isoformat(),
                    wait=3,
                )
                for i in range(3)
            ]
            assert api.post("/v1/calls", json=records).json()["accepted"] == 3
    deadline = time.monotonic() + 30
    while True:
        scraped = httpx.get(f"{base}/metrics", timeout=10)  # loopback: no key needed
        assert scraped.status_code == 200, scraped.text
        samples = parse(scraped.text)
        if value(samples, "callpulse_aggregation_pass_seconds_count") >= 1:
            break
        assert time.monotonic() < deadline, "no aggregation pass reached /metrics"
        time.sleep(0.5)
    assert value(samples, "callpulse_ingest_records_total", kind="calls", outcome="accepted") == 36
    calls = {"method": "POST", "route": "/v1/calls", "status": "200"}
    assert value(samples, "callpulse_http_requests_total", **calls) == 12
    assert list(metrics_dir.glob(f"histogram_{worker_pid}.db")), "the worker wrote no figures"
    writers = {path.stem.rpartition("_")[2] for path in metrics_dir.glob("counter_*.db")}
    assert len(writers - {str(worker_pid)}) >= 1
