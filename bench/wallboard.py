"""Benchmark: the wallboard with 200 queues and 2,000 agents live.

1. Server time of one refresh (the live state of every queue the viewer sees, as the page's
   one-second callback reads it), median and p95, beside one plain query over the same
   raw rows (all waiting calls and latest agent states) as the baseline.
2. Event → on screen in a real browser (Debian's Chromium): post a waiting call, time until
   the tile's `waiting` number changes; p50/p95.

    .venv/bin/python bench/wallboard.py [--refreshes 20] [--probes 20]
"""

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

import httpx
from common import fresh_database, p95, serve

from app.access.keys import Principal, create_key
from app.access.users import create_share_link
from app.core.db import driver_connection
from app.tenancy.config import TenancyFile
from app.tenancy.service import apply_tenancy
from dashboards.data import snapshot
from tests.dashboards.conftest import CHROMIUM, FLAGS

CLIENTS, QUEUES_PER_CLIENT, AGENTS_PER_QUEUE = 10, 20, 10


def seed(database) -> tuple[str, list[str]]:
    """Create 10 clients × 20 queues served by one vendor; return its key and the queues."""
    queues = [f"wb{c:02d}-q{q:02d}" for c in range(CLIENTS) for q in range(QUEUES_PER_CLIENT)]
    spec = TenancyFile.model_validate(
        {
            "clients": [
                {"code": f"wb{c:02d}", "name": f"Client {c}", "timezone": "Asia/Shanghai"}
                for c in range(CLIENTS)
            ],
            "vendors": [{"code": "wb-vendor", "name": "Vendor"}],
            "queues": [{"code": q, "client": q[:4], "vendors": ["wb-vendor"]} for q in queues],
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
        key = create_key(session, "vendor", vendor_code="wb-vendor")
    return key, queues


def load(base: str, key: str, queues: list[str]) -> None:
    """Log 2,000 agents in and put a few calls in every queue (some waiting)."""
    http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120)
    now = datetime.now(UTC)
    agents, calls = [], []
    for i, queue in enumerate(queues):
        for a in range(AGENTS_PER_QUEUE):
            state = ("available", "talking", "acw", "not_ready")[(i + a) % 4]
            agents.append(
                {
                    "agent": f"{queue}-a{a}",
                    "state": state,
                    "queues": [queue],
                    "at": (now - timedelta(seconds=30 + a)).isoformat(),
                }
            )
        for c in range(6):
            offered = now - timedelta(seconds=20 + 40 * c)
            call = {"call_id": f"{queue}-c{c}", "queue": queue, "offered_at": offered.isoformat()}
            if c % 3:
                call["answered_at"] = (offered + timedelta(seconds=8)).isoformat()
            calls.append(call)
    for path, records in (("/v1/agent-events", agents), ("/v1/calls", calls)):
        for i in range(0, len(records), 1000):
            http.post(path, json=records[i : i + 1000]).raise_for_status()


def refresh_times(database, settings, rounds: int) -> tuple[list[float], list[float]]:
    """Time the page's refresh read for an admin viewer, and the one-query baseline."""
    viewer = Principal(0, "admin")
    refreshes, baseline = [], []
    for _ in range(rounds):
        began = time.perf_counter()
        state = snapshot(database, settings, viewer)
        refreshes.append((time.perf_counter() - began) * 1000)
        assert len(state["queues"]) == CLIENTS * QUEUES_PER_CLIENT
        with database.session_scope() as session:
            began = time.perf_counter()
            driver_connection(session).execute(
                "SELECT (SELECT count(*) FROM calls WHERE answered_at IS NULL"
                " AND ended_at IS NULL AND offered_at > now() - interval '4 hours'),"
                " (SELECT count(*) FROM (SELECT DISTINCT ON (client_id, agent_id) state"
                " FROM agent_state_changes WHERE at > now() - interval '1 day'"
                " ORDER BY client_id, agent_id, at DESC) latest)"
            ).fetchone()
            baseline.append((time.perf_counter() - began) * 1000)
    return refreshes, baseline


def screen_latency(base: str, key: str, url: str, queue: str, probes: int) -> list[float]:
    """Post a waiting call and time until the browser shows the new waiting count."""
    from playwright.sync_api import sync_playwright

    http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"})
    latencies = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(url, wait_until="load")
        cell = page.locator(f"#waiting-{queue}")
        cell.wait_for(timeout=60_000)
        for n in range(probes):
            before = cell.inner_text()
            call = {
                "call_id": f"probe-{n}",
                "queue": queue,
                "offered_at": datetime.now(UTC).isoformat(),
            }
            http.post("/v1/calls", json=call).raise_for_status()
            began = time.perf_counter()
            page.wait_for_function(
                f"document.querySelector('#waiting-{queue}').innerText !== '{before}'",
                timeout=30_000,
            )
            latencies.append(time.perf_counter() - began)
            time.sleep(0.3)
        browser.close()
    return latencies


def main() -> None:
    """Seed, load, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refreshes", type=int, default=20)
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--port", type=int, default=8796)
    args = parser.parse_args()
    database, settings, where = fresh_database("callpulse_bench_wall")
    key, queues = seed(database)
    base = f"http://127.0.0.1:{args.port}"
    process = serve(database.url, args.port, "--no-scheduler")
    try:
        load(base, key, queues)
        refreshes, baseline = refresh_times(database, settings, args.refreshes)
        with database.session_scope() as session:
            token = create_share_link(session, "bench-tv", "wb00")
        latency = screen_latency(base, key, f"{base}/wall/?token={token}", queues[0], args.probes)
    finally:
        process.terminate()
        process.wait(10)
    print(f"{len(queues)} queues, {len(queues) * AGENTS_PER_QUEUE:,} agents, on {where}")
    print(
        f"one refresh (all 200 queues):  median {statistics.median(refreshes):.0f} ms,"
        f" p95 {p95(refreshes):.0f} ms (target p95 ≤ 150 ms);"
        f" baseline one query {statistics.median(baseline):.1f} ms"
    )
    print(
        f"event → on screen (20-queue TV): p50 {statistics.median(latency):.2f} s,"
        f" p95 {p95(latency):.2f} s (target p95 ≤ 2 s)"
    )


if __name__ == "__main__":
    main()
