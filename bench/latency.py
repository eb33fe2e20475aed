"""Benchmark: record accepted → visible in `/v1/metrics` and `/live`, under sustained load.

Starts a live `callpulse serve` (aggregation every second) on a fresh database, pushes call
events at a steady rate (default 500 events/s) to 20 queues, and meanwhile, about once a
second (at a random phase), sends one probe call to a quiet queue and times, from the moment
it was sent, how long until it was accepted (the baseline: the POST alone), and until
`/v1/metrics` and `/v1/queues/{probe}/live` count it (the aggregation runs when an ingest
commits, `app.core.changes`). Prints p50/p95 beside the load actually sustained.

    .venv/bin/python bench/latency.py [--rate 500] [--seconds 60]
"""

import argparse
import random
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
from common import SteadyLoad, fresh_database, p95, serve, tenants

QUEUES = [f"lat-q{i:02d}" for i in range(20)]
PROBE = "lat-probe"


def wait_visible(http: httpx.Client, path: str, params: dict, count, expected: int) -> float:
    """Poll until `count(body)` reaches `expected`; return the moment (perf_counter) it did."""
    began = time.perf_counter()
    while time.perf_counter() - began < 30:
        body = http.get(path, params=params).json()
        if count(body) >= expected:
            return time.perf_counter()
        time.sleep(0.01)
    return float("inf")


def probe_once(vendor: httpx.Client, reader: httpx.Client, n: int) -> tuple[float, float, float]:
    """Send the n-th probe call; return seconds from sending it until it was accepted, until
    `/v1/metrics` counted it and until `/v1/queues/{probe}/live` did."""
    now = datetime.now(UTC)
    probe = {
        "call_id": f"probe-{n}",
        "queue": PROBE,
        "offered_at": (now - timedelta(seconds=5)).isoformat(),
        "answered_at": (now - timedelta(seconds=2)).isoformat(),
        "ended_at": now.isoformat(),
    }
    sent = time.perf_counter()
    assert vendor.post("/v1/calls", json=probe).json()["accepted"] == 1
    accepted = time.perf_counter()
    seen: dict[str, float] = {}
    polls = {
        "metrics": lambda: wait_visible(
            reader,
            "/v1/metrics",
            {"queue": PROBE, "granularity": "day"},
            lambda b: sum(r["offered"] for r in b["series"]),
            n,
        ),
        "live": lambda: wait_visible(
            reader, f"/v1/queues/{PROBE}/live", {}, lambda b: b["today"]["offered"], n
        ),
    }
    threads = [
        threading.Thread(target=lambda k=k, poll=poll: seen.__setitem__(k, poll()))
        for k, poll in polls.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return accepted - sent, seen["metrics"] - sent, seen["live"] - sent


def main() -> None:
    """Run the load and the probes; print latency percentiles."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8797)
    args = parser.parse_args()
    database, _, where = fresh_database("callpulse_bench_latency")
    keys = tenants(database, [*QUEUES, PROBE])
    base = f"http://127.0.0.1:{args.port}"
    process = serve(database.url, args.port)
    vendor = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {keys['vendor_key']}"})
    reader = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {keys['client_key']}"})
    figures: list[tuple[float, float, float]] = []
    try:
        with SteadyLoad(base, keys["vendor_key"], QUEUES, args.rate) as load:
            began = time.monotonic()
            while time.monotonic() - began < args.seconds:
                figures.append(probe_once(vendor, reader, len(figures) + 1))
                time.sleep(random.uniform(0.2, 1.2))  # probe at every phase of the 1 s tick
            elapsed = time.monotonic() - began
    finally:
        process.terminate()
        process.wait(10)
    print(
        f"load: {load.sent / elapsed:,.0f} events/s sustained for {elapsed:.0f} s "
        f"(asked {args.rate:,.0f}), {len(figures)} probes, on {where}"
    )
    accepted, metrics, live = (list(column) for column in zip(*figures, strict=True))
    for name, values, target in (
        ("accepted (POST answered)", accepted, "the baseline"),
        ("visible in /v1/metrics", metrics, "target p95 ≤ 0.3 s"),
        ("visible in /v1/queues/{code}/live", live, "target p95 ≤ 0.3 s"),
    ):
        print(
            f"event → {name:<34} p50 {statistics.median(values):.3f} s,"
            f" p95 {p95(values):.3f} s, max {max(values):.3f} s ({target})"
        )


if __name__ == "__main__":
    main()
