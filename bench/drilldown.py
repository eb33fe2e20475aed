"""Benchmark: the drill-down behind a figure, `/v1/calls` filtered by queue, day and outcome.

1. Writes --calls calls (default 10,000,000; 90 % answered) over 90 days and 20 queues
   straight into `calls` (bench/aggregation.py's generator: INSERT … SELECT generate_series).
2. `callpulse serve` in its own process; with a client key, the first page (100 rows) of
   `/v1/calls?queue=…&from=DAY&to=DAY+1&outcome=…` for random queues and local days, per
   outcome (`answered`: most rows; `abandoned`: one in ten), --rounds times: p50 / p95.
3. Baseline, same run: `count(*)` of the same rows in SQL (the listing's own conditions),
   for the same queues and days: p50 / p95. Target: the page's p95 ≤ 100 ms.

    .venv/bin/python bench/drilldown.py [--calls 10000000] [--rounds 40] [--port 8766]
"""

import argparse
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import httpx
from aggregation import QUEUES, generate
from common import fresh_database, percentile, serve, tenants

from app.core.config import Settings
from app.core.db import driver_connection
from app.evidence import repository
from app.evidence.repository import CallFilter, Within

SHANGHAI = ZoneInfo("Asia/Shanghai")
OUTCOMES = ("answered", "abandoned")


def figures(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return f"{label}: p50 {statistics.median(ms):.1f} ms, p95 {percentile(ms, 95):.1f} ms"


def counted(database, queue: str, day: date, outcome: str) -> tuple[float, int]:
    """Time `count(*)` of the rows the listing pages through, in plain SQL."""
    with database.session_scope() as session:
        pg = driver_connection(session)
        client_id, queue_id = pg.execute(
            "SELECT q.client_id, q.id FROM queues q WHERE q.code = %s", [queue]
        ).fetchone()
        start = datetime.combine(day, clock(), SHANGHAI)
        within = Within(client_id, [queue_id], None, None, start, start + timedelta(days=1))
        rows = CallFilter(Settings.model_fields["waiting_horizon_s"].default, outcome)
        began = time.perf_counter()
        total = repository.count(pg, within, rows)
        return time.perf_counter() - began, total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    database, settings, where = fresh_database("bench_drilldown")
    keys = tenants(database, QUEUES)
    now = datetime.now(UTC)
    began = time.perf_counter()
    generate(database, args.calls, now)
    print(f"{where}: {args.calls:,} calls over 90 days and {len(QUEUES)} queues"
          f" in {time.perf_counter() - began:.0f} s")  # fmt: skip
    rng = random.Random(12)
    today = now.astimezone(SHANGHAI).date()
    asks = [
        (rng.choice(QUEUES), today - timedelta(days=rng.randint(2, 88)), outcome)
        for outcome in OUTCOMES
        for _ in range(args.rounds)
    ]
    server = serve(settings.database_url or "", args.port)
    try:
        http = httpx.Client(
            base_url=f"http://127.0.0.1:{args.port}",
            headers={"Authorization": f"Bearer {keys['client_key']}"},
            timeout=60,
        )
        http.get("/v1/calls", params={"queue": QUEUES[0]})  # warm the connection pool
        pages: dict[str, list[float]] = {o: [] for o in OUTCOMES}
        for queue, day, outcome in asks:
            params = {"queue": queue, "outcome": outcome, "limit": 100}
            params |= {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}
            t = time.perf_counter()
            response = http.get("/v1/calls", params=params)
            pages[outcome].append(time.perf_counter() - t)
            assert response.status_code == 200, response.text
    finally:
        server.terminate()
        server.wait()
    counts: dict[str, list[float]] = {o: [] for o in OUTCOMES}
    rows: dict[str, list[int]] = {o: [] for o in OUTCOMES}
    for queue, day, outcome in asks:
        seconds, total = counted(database, queue, day, outcome)
        counts[outcome].append(seconds)
        rows[outcome].append(total)
    for outcome in OUTCOMES:
        print(f"outcome={outcome} (a queue-day holds ~{statistics.median(rows[outcome]):,.0f}):")
        print(f"  {figures('first page of /v1/calls (HTTP, 100 rows)', pages[outcome])}")
        print(f"  {figures('baseline count(*) of the same rows (SQL)', counts[outcome])}")


if __name__ == "__main__":
    main()
