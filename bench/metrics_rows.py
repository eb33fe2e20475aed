"""Benchmark: `/v1/metrics` on the issue's worst case, against the row bound.

1. One client, one queue, --agents agents (default 45), one call stats row per agent and
   15-minute interval over --days days (default 183: six months, ~790,000 rows), written
   straight into `call_interval_stats`; day stats rebuilt from them.
2. `callpulse serve` in its own process (so its memory is its own), then with a client key:
   a. the issue's request, `granularity=interval&by=agent` over the whole history: refused
      400 before reading (time, answer);
   b. the largest series the bound allows (CALLPULSE_MAX_METRIC_ROWS // agents buckets):
      JSON and CSV (time, bytes);
   and after each, the server's resident memory now and at its peak (VmRSS, VmHWM).

    .venv/bin/python bench/metrics_rows.py [--agents 45] [--days 183] [--port 8765]
"""

import argparse
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from common import fresh_database, serve, tenants

from app.core.db import driver_connection
from app.kpi.definitions import CALL_COMPONENTS
from app.kpi.repository import rebuild_client_days

SHANGHAI = ZoneInfo("Asia/Shanghai")


def seed(database, agents: int, start: datetime, days: int) -> None:
    """Write one call stats row per agent and interval, then the day stats."""
    with database.session_scope() as session:
        pg = driver_connection(session)
        client_id, queue_id = pg.execute(
            "SELECT c.id, q.id FROM clients c JOIN queues q ON q.client_id = c.id"
            " WHERE c.code = 'bench'"
        ).fetchone()
        vendor_id = pg.execute("SELECT id FROM vendors WHERE code = 'bench-v'").fetchone()[0]
        pg.execute(
            "INSERT INTO agents (client_id, vendor_id, code)"
            " SELECT %s, %s, 'agent-' || g FROM generate_series(1, %s) g",
            [client_id, vendor_id, agents],
        )
        values = ", ".join("1" for _ in CALL_COMPONENTS)
        pg.execute(
            "INSERT INTO call_interval_stats (client_id, queue_id, interval_start, agent_id,"
            f" vendor_id, {', '.join(CALL_COMPONENTS)}) SELECT %s, %s, i, a.id, a.vendor_id,"
            f" {values}"
            " FROM generate_series(%s::timestamptz, %s::timestamptz - interval '15 minutes',"
            " interval '15 minutes') i CROSS JOIN (SELECT id, vendor_id FROM agents"
            " WHERE client_id = %s) a",
            [client_id, queue_id, start, start + timedelta(days=days), client_id],
        )
        rebuild_client_days(pg, client_id)


def memory(pid: int) -> str:
    """Return the process's resident memory now and at its peak, in MB."""
    status = dict(
        line.split(":", 1)
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if ":" in line
    )
    now, peak = (int(status[k].split()[0]) // 1024 for k in ("VmRSS", "VmHWM"))
    return f"RSS {now} MB, peak {peak} MB"


def timed(http: httpx.Client, params: dict) -> tuple[float, httpx.Response]:
    began = time.perf_counter()
    response = http.get("/v1/metrics", params=params)
    return time.perf_counter() - began, response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=45)
    parser.add_argument("--days", type=int, default=183)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    database, settings, where = fresh_database("bench_metrics_rows")
    keys = tenants(database, ["rows-q"])
    start = datetime(2026, 5, 1, tzinfo=SHANGHAI)
    began = time.perf_counter()
    seed(database, args.agents, start, args.days)
    print(f"{where}: {args.agents} agents × {args.days} days of 15-min call stats"
          f" seeded in {time.perf_counter() - began:.1f} s")  # fmt: skip
    server = serve(settings.database_url or "", args.port)
    try:
        http = httpx.Client(
            base_url=f"http://127.0.0.1:{args.port}",
            headers={"Authorization": f"Bearer {keys['client_key']}"},
            timeout=600,
        )
        print(f"server started: {memory(server.pid)}")
        end = start + timedelta(days=args.days)
        whole = {"client": "bench", "granularity": "interval", "by": "agent"}
        whole |= {"from": start.date().isoformat(), "to": end.date().isoformat()}
        seconds, response = timed(http, whole)
        print(f"a. six months by agent: {response.status_code} in {seconds * 1000:.0f} ms;"
              f" {memory(server.pid)}\n   {response.json()['error']}")  # fmt: skip
        buckets = settings.max_metric_rows // args.agents
        largest = whole | {"to": (start + timedelta(minutes=15 * buckets)).isoformat()}
        for fmt in ("json", "csv"):
            seconds, response = timed(http, largest | {"format": fmt})
            print(f"b. {buckets} buckets × {args.agents} agents as {fmt}:"
                  f" {response.status_code}, {len(response.content) / 1e6:.1f} MB"
                  f" in {seconds * 1000:.0f} ms; {memory(server.pid)}")  # fmt: skip
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
