"""Benchmark: an Asterisk queue_log through `POST /v1/feeds/{name}` beside `/v1/call-events`.

Starts a live `callpulse serve` on a fresh database with an `asterisk-queue-log` feed, then,
in the same run:

1. parses the log with the adapter alone (no database, no HTTP): lines/s;
2. POSTs the log to `/v1/feeds/{name}` in batches of --batch lines: lines/s and calls/s;
3. POSTs the same calls as the call events the adapter makes (same number of calls, batches
   of --batch records, other call ids in another client's queues) to `/v1/call-events`.

Each call is ENTERQUEUE, then CONNECT and COMPLETECALLER (answered), or ABANDON (10 %),
offered between three hours and one hour ago. The feed also writes the agent states that
CONNECT and COMPLETE* make, which the call-events baseline does not: the difference between
(2) and (3) is the adapter, the per-line answer, and those agent states.

    .venv/bin/python bench/feeds.py [--calls 50000] [--batch 1000] [--concurrency 2]

Uses DATABASE_URL's server when set, else an embedded PostgreSQL in a temporary directory.
"""

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from common import fresh_database, serve

from app.access.keys import create_key
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.partitions import PartitionManager
from ingest.adapters import adapter
from ingest.adapters.base import FeedConfig, Item

QUEUES = 10
FEED = "bench-asterisk"


def queue_log(calls: int, seed: int = 11) -> list[str]:
    """Return the stock queue_log lines of `calls` calls (offered 3 h to 1 h ago), in order."""
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(hours=3)
    timed: list[tuple[float, str]] = []
    for i in range(calls):
        offered = start.timestamp() + rng.uniform(0, 7200)
        call, queue = f"1795136400.{i}", f"Q{rng.randrange(QUEUES)}"
        timed.append((offered, f"{offered:.3f}|{call}|{queue}|NONE|ENTERQUEUE||138{i:08d}|1"))
        wait = rng.expovariate(1 / 20)
        if rng.random() < 0.1:
            line = f"{offered + wait:.3f}|{call}|{queue}|NONE|ABANDON|1|1|{wait:.0f}"
            timed.append((offered + wait, line))
            continue
        agent, talk = f"SIP/{8000 + rng.randrange(200)}", min(rng.lognormvariate(5, 0.6), 1800)
        connect = f"{offered + wait:.3f}|{call}|{queue}|{agent}|CONNECT|{wait:.0f}|{call}9|2"
        done = f"{offered + wait + talk:.3f}|{call}|{queue}|{agent}|COMPLETECALLER"
        timed.append((offered + wait, connect))
        timed.append((offered + wait + talk, f"{done}|{wait:.0f}|{talk:.0f}|1"))
    return [line for _, line in sorted(timed)]


def prepare(database: Any) -> tuple[str, FeedConfig]:
    """Create the tenants and the feed; return the vendor key and the feed's config."""
    now = datetime.now(UTC)
    PartitionManager(database.engine).ensure(
        [(table, moment) for table in ("calls",) for moment in (now - timedelta(hours=4), now)]
    )
    queues = {f"Q{i}": f"feed-q{i}" for i in range(QUEUES)}
    spec = TenancyFile.model_validate(
        {
            "clients": [
                {"code": "feed", "name": "Feed", "timezone": "Asia/Shanghai"},
                {"code": "events", "name": "Events", "timezone": "Asia/Shanghai"},
            ],
            "vendors": [{"code": "bench-v", "name": "Bench vendor"}],
            "queues": [
                {"code": code, "client": client, "vendors": ["bench-v"]}
                for client in ("feed", "events")
                for code in (q.replace("feed", client) for q in queues.values())
            ],
            "feeds": [
                {
                    "name": FEED,
                    "vendor": "bench-v",
                    "format": "asterisk-queue-log",
                    "timezone": "Asia/Shanghai",
                    "queues": queues,
                }
            ],
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
        key = create_key(session, "vendor", vendor_code="bench-v")
    return key, FeedConfig(FEED, "asterisk-queue-log", queues)


def parse_rate(lines: list[str], feed: FeedConfig, batch: int) -> tuple[float, list[Item]]:
    """Parse the log in batches with the adapter alone; return lines/s and the items."""
    parser = adapter("asterisk-queue-log")
    bodies = ["\n".join(lines[i : i + batch]).encode() for i in range(0, len(lines), batch)]
    started = time.perf_counter()
    items = [item for body in bodies for item in parser.parse(body, "text/plain", feed)]
    elapsed = time.perf_counter() - started
    assert not [item for item in items if item.errors], "the generated log has bad lines"
    return len(lines) / elapsed, items


def post_all(
    base: str,
    path: str,
    bodies: list[bytes],
    headers: dict[str, str],
    workers: int,
    counted: Callable[[dict[str, Any]], int],
) -> tuple[float, int]:
    """POST every body with `workers` requests in flight; return seconds and records counted.

    A 503 (server busy, or concurrent batches that kept racing for the same new call ids)
    is retried after its Retry-After, as a vendor's client must; the retries are printed.
    """
    retries = 0

    def send(body: bytes) -> int:
        nonlocal retries
        with httpx.Client(timeout=300) as client:
            response = client.post(f"{base}{path}", content=body, headers=headers)
            while response.status_code == 503:
                retries += 1
                time.sleep(float(response.headers.get("retry-after", "1")))
                response = client.post(f"{base}{path}", content=body, headers=headers)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        assert not answer["rejected"], answer["rejected"][:3]
        return counted(answer)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        total = sum(pool.map(send, bodies))
    elapsed = time.perf_counter() - started
    print(f"  {path}: {len(bodies)} requests, {retries} answered 503 and sent again")
    return elapsed, total


def main() -> None:
    """Print the adapter's parse rate and both HTTP paths' rates, and their ratio."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1000, help="lines or records per request")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--port", type=int, default=8797)
    parser.add_argument("--workers", type=int, default=2, help="callpulse serve --workers")
    args = parser.parse_args()

    database, settings, where = fresh_database("callpulse_bench_feeds")
    key, feed = prepare(database)
    database.dispose()
    lines = queue_log(args.calls)
    lines_per_s, items = parse_rate(lines, feed, args.batch)
    events = [
        orjson.loads(orjson.dumps(item.value)) for item in items if item.kind == "call-events"
    ]
    for event in events:  # the same calls, in the other client's queues
        event["queue"] = event["queue"].replace("feed", "events")
    print(
        f"{args.calls:,} calls = {len(lines):,} queue_log lines = {len(events):,} call events"
        f" (+ {len(items) - len(events):,} agent states); batches of {args.batch:,}; on {where}"
    )
    print(f"adapter parse alone (1 thread, no database):   {lines_per_s:>10,.0f} lines/s")

    log = Path(tempfile.mkdtemp(prefix="callpulse-feeds-")) / "serve.log"
    print(f"server log: {log}")
    process = serve(
        settings.database_url,
        args.port,
        "--workers",
        str(args.workers),
        "--no-scheduler",
        log=log,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        feed_s, feed_lines = post_all(
            base,
            f"/v1/feeds/{FEED}",
            [
                "\n".join(lines[i : i + args.batch]).encode()
                for i in range(0, len(lines), args.batch)
            ],
            {"Authorization": f"Bearer {key}", "Content-Type": "text/plain"},
            args.concurrency,
            lambda answer: int(answer["accepted"]),
        )
        events_s, written = post_all(
            base,
            "/v1/call-events",
            [orjson.dumps(events[i : i + args.batch]) for i in range(0, len(events), args.batch)],
            {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            args.concurrency,
            lambda answer: int(answer["accepted"]),
        )
    finally:
        process.terminate()
        process.wait(10)
    assert (feed_lines, written) == (len(lines), len(events)), (feed_lines, written)
    in_flight = f"({args.concurrency} in flight, {args.workers} workers)"
    print(
        f"POST /v1/feeds/{FEED} {in_flight}: {len(lines) / feed_s:>10,.0f} lines/s"
        f"  {args.calls / feed_s:>8,.0f} calls/s"
    )
    print(
        f"POST /v1/call-events {in_flight}:      {len(events) / events_s:>10,.0f} records/s"
        f"  {args.calls / events_s:>8,.0f} calls/s"
    )
    print(f"ratio feed / call-events (calls/s):               {events_s / feed_s:>10.2f}")


if __name__ == "__main__":
    main()
