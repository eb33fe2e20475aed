"""Benchmark: record accepted → visible in `/v1/metrics` and `/live`, under sustained load.

Starts a live `callpulse serve` (aggregation every second) on a fresh database, pushes call
events at a steady rate (default 500 events/s) to 20 queues, and meanwhile, about once a
second (at a random phase), sends one probe call to a quiet queue and times how long until
`/v1/metrics` and `/v1/queues/{probe}/live` count it. Prints p50/p95 beside the load
actually sustained.

    .venv/bin/python bench/latency.py [--rate 500] [--seconds 60]
"""

import argparse
import math
import random
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
from common import fresh_database, p95, serve, tenants

QUEUES = [f"lat-q{i:02d}" for i in range(20)]
PROBE = "lat-probe"


def load(base: str, key: str, rate: float, stop: threading.Event, sent: list[int]) -> None:
    """Send offered/answered/ended events at `rate` events per second, 10 batches a second."""
    http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    per_tick, n, tick = 3 * math.ceil(rate / 30), 0, time.monotonic()
    while not stop.is_set():
        now = datetime.now(UTC)
        events = []
        for _ in range(per_tick // 3):
            n += 1
            queue, offered = QUEUES[n % len(QUEUES)], now - timedelta(seconds=40)
            for event, at in (
                ("offered", offered),
                ("answered", offered + timedelta(seconds=8)),
                ("ended", now),
            ):
                events.append(
                    {"call_id": f"load-{n}", "queue": queue, "event": event, "at": at.isoformat()}
                )
        response = http.post("/v1/call-events", json=events)
        response.raise_for_status()
        sent[0] += len(events)
        tick += 0.1
        time.sleep(max(0.0, tick - time.monotonic()))


def wait_visible(http: httpx.Client, path: str, params: dict, count, expected: int) -> float:
    """Poll until `count(body)` reaches `expected`; return seconds waited."""
    began = time.perf_counter()
    while time.perf_counter() - began < 30:
        body = http.get(path, params=params).json()
        if count(body) >= expected:
            return time.perf_counter() - began
        time.sleep(0.02)
    return float("inf")


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
    stop, sent = threading.Event(), [0]
    loader = threading.Thread(target=load, args=(base, keys["vendor_key"], args.rate, stop, sent))
    vendor = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {keys['vendor_key']}"})
    reader = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {keys['client_key']}"})
    metrics_lat, live_lat = [], []
    try:
        loader.start()
        began = time.monotonic()
        probes = 0
        while time.monotonic() - began < args.seconds:
            now = datetime.now(UTC)
            probes += 1
            probe = {
                "call_id": f"probe-{probes}",
                "queue": PROBE,
                "offered_at": (now - timedelta(seconds=5)).isoformat(),
                "answered_at": (now - timedelta(seconds=2)).isoformat(),
                "ended_at": now.isoformat(),
            }
            assert vendor.post("/v1/calls", json=probe).json()["accepted"] == 1
            results = {}

            def poll_metrics(n: int = probes, results: dict = results) -> None:
                results["m"] = wait_visible(
                    reader,
                    "/v1/metrics",
                    {"queue": PROBE, "granularity": "day"},
                    lambda b: sum(r["offered"] for r in b["series"]),
                    n,
                )

            def poll_live(n: int = probes, results: dict = results) -> None:
                results["l"] = wait_visible(
                    reader, f"/v1/queues/{PROBE}/live", {}, lambda b: b["today"]["offered"], n
                )

            threads = [threading.Thread(target=poll_metrics), threading.Thread(target=poll_live)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            metrics_lat.append(results["m"])
            live_lat.append(results["l"])
            time.sleep(random.uniform(0.2, 1.2))  # probe at every phase of the 1 s pass
        elapsed = time.monotonic() - began
    finally:
        stop.set()
        loader.join()
        process.terminate()
        process.wait(10)
    print(
        f"load: {sent[0] / elapsed:,.0f} events/s sustained for {elapsed:.0f} s "
        f"(asked {args.rate:,.0f}), {len(metrics_lat)} probes, on {where}"
    )
    for name, values in (("/v1/metrics", metrics_lat), ("/v1/queues/{code}/live", live_lat)):
        print(
            f"accepted → visible in {name:<24} p50 {statistics.median(values):.2f} s,"
            f" p95 {p95(values):.2f} s, max {max(values):.2f} s (target p95 ≤ 1.5 s)"
        )


if __name__ == "__main__":
    main()
