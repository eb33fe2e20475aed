"""Benchmark: HTTP ingest of CDRs vs. the raw COPY + INSERT … ON CONFLICT path, same run.

Starts a live `callpulse serve` on a fresh database, pushes N CDRs in batches over real
HTTP, then writes the same rows straight into PostgreSQL (COPY into a staging table, then
INSERT … ON CONFLICT into `calls`) and prints both rates and their ratio.

    .venv/bin/python bench/ingest.py --calls 200000 [--batch 1000] [--concurrency 2]

Uses DATABASE_URL's server when set, else an embedded PostgreSQL in a temporary directory.
Each path's CPU per record is printed too (the processes it ran: client, server workers,
PostgreSQL client backends; read from /proc, so PostgreSQL must run on this machine): on a busy
machine the rates swing with the load, the CPU much less.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import httpx
import orjson
import psycopg
from common import cpu_s, process_tree, serve

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.access.keys import create_key
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.db import Database, create_database, drop_database, libpq_url
from app.core.embedded import start_embedded_postgres
from app.migrate import upgrade
from app.partitions import PartitionManager

QUEUES = [f"bench-q{i}" for i in range(10)]
COLUMNS = [
    "client_id",
    "call_id",
    "offered_at",
    "queue_id",
    "vendor_id",
    "direction",
    "answered_at",
    "ended_at",
    "talk_s",
    "hold_s",
    "acw_s",
    "transferred",
    "resolved",
    "csat",
]


def make_calls(n: int, seed: int = 7) -> list[dict]:
    """Return n complete CDRs spread over the last 30 days."""
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=30)
    calls = []
    for i in range(n):
        offered = start + timedelta(seconds=rng.uniform(0, 29 * 86400))
        wait = rng.expovariate(1 / 25)
        talk = rng.lognormvariate(5, 0.6)
        calls.append(
            {
                "call_id": f"bench-{i:08d}",
                "queue": rng.choice(QUEUES),
                "offered_at": offered.isoformat(),
                "answered_at": (offered + timedelta(seconds=wait)).isoformat(),
                "ended_at": (offered + timedelta(seconds=wait + talk)).isoformat(),
                "agent": f"a{rng.randrange(200):03d}",
                "talk_s": round(talk, 3),
                "hold_s": round(rng.uniform(0, 30), 3),
                "acw_s": round(rng.uniform(5, 60), 3),
                "transferred": rng.random() < 0.1,
                "resolved": rng.random() < 0.8,
                "csat": rng.randrange(60, 101),
            }
        )
    return calls


def prepare(server_url: str) -> tuple[str, str, dict]:
    """Create a fresh database with tenants; return its URL, a vendor key and ids."""
    url = create_database(server_url, "callpulse_bench")
    database = Database(url)
    upgrade(database)
    now = datetime.now(UTC)
    # Every month the calls span (make_calls: the last 30 days), whatever today is.
    PartitionManager(database.engine).ensure(("calls", now - timedelta(days=d)) for d in range(32))
    spec = TenancyFile.model_validate(
        {
            "clients": [{"code": "http", "name": "HTTP"}, {"code": "raw", "name": "Raw"}],
            "vendors": [{"code": "bench-v", "name": "Bench vendor"}],
            "queues": [{"code": q, "client": "http", "vendors": ["bench-v"]} for q in QUEUES]
            + [{"code": f"raw-{q}", "client": "raw", "vendors": ["bench-v"]} for q in QUEUES],
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
        key = create_key(session, "vendor", vendor_code="bench-v")
    with psycopg.connect(libpq_url(url)) as c:
        ids = {
            "raw_client": c.execute("SELECT id FROM clients WHERE code = 'raw'").fetchone()[0],
            "vendor": c.execute("SELECT id FROM vendors WHERE code = 'bench-v'").fetchone()[0],
            "queues": dict(c.execute("SELECT code, id FROM queues WHERE code LIKE 'raw-%'")),
        }
    database.dispose()
    return url, key, ids


class Cost(NamedTuple):
    """A path's rate, and its CPU per record (µs) by process kind."""

    rate: float
    cpu_us: dict[str, float]

    def total(self) -> float:
        """Return the CPU per record of every process, µs."""
        return sum(self.cpu_us.values())

    def cpu(self) -> str:
        """Return the CPU per record, in all and by process kind."""
        parts = ", ".join(f"{kind} {us:.1f}" for kind, us in self.cpu_us.items())
        return f"CPU {self.total():5.1f} µs/record ({parts})"


class CpuMeter:
    """CPU seconds used by the bench itself, some processes, and the database's client backends.

    Client backends only: autovacuum, which visits the tables the run fills at its own pace,
    would otherwise be charged to whichever path it happened to run beside.
    """

    def __init__(self, url: str, processes: dict[str, list[int]]) -> None:
        self.monitor = psycopg.connect(libpq_url(url), autocommit=True)
        self.processes = processes

    def read(self) -> dict[str, dict[int, float]]:
        """Return CPU seconds so far per pid, by process kind."""
        backends = self.monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchall()
        kinds = {"client": {0: time.process_time()}, "PostgreSQL": {}}
        kinds["PostgreSQL"] = {pid: cpu_s(pid) for (pid,) in backends}
        kinds |= {kind: {pid: cpu_s(pid) for pid in pids} for kind, pids in self.processes.items()}
        return kinds

    def per_record(self, before: dict[str, dict[int, float]], n: int) -> dict[str, float]:
        """Return the µs per record each process kind used since `before` (backends that
        ended meanwhile are not counted: keep the connections open until this is read)."""
        after = self.read()
        return {
            kind: sum(s - before[kind].get(pid, 0.0) for pid, s in pids.items()) / n * 1e6
            for kind, pids in after.items()
        }


def raw_upsert(url: str, calls: list[dict], batch: int, ids: dict) -> Cost:
    """Write the calls with COPY into a staging table + INSERT … ON CONFLICT; return the cost."""
    conninfo = libpq_url(url)
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[3:])
    meter = CpuMeter(url, {})
    with psycopg.connect(conninfo) as conn:
        before = meter.read()
        started = time.perf_counter()
        for i in range(0, len(calls), batch):
            with conn.transaction():
                conn.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS staging"
                    " (LIKE calls INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
                )
                with (
                    conn.cursor() as cur,
                    cur.copy(f"COPY staging ({', '.join(COLUMNS)}) FROM STDIN") as copy,
                ):
                    for call in calls[i : i + batch]:
                        copy.write_row(
                            [
                                ids["raw_client"],
                                call["call_id"],
                                call["offered_at"],
                                ids["queues"][f"raw-{call['queue']}"],
                                ids["vendor"],
                                "inbound",
                                call["answered_at"],
                                call["ended_at"],
                                call["talk_s"],
                                call["hold_s"],
                                call["acw_s"],
                                call["transferred"],
                                call["resolved"],
                                call["csat"],
                            ]
                        )
                conn.execute(
                    f"INSERT INTO calls ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)}"
                    f" FROM staging ON CONFLICT (client_id, call_id, offered_at)"
                    f" DO UPDATE SET {updates}"
                )
        rate = len(calls) / (time.perf_counter() - started)
        cost = Cost(rate, meter.per_record(before, len(calls)))
    meter.monitor.close()
    return cost


def http_ingest(
    base: str,
    key: str,
    calls: list[dict],
    batch: int,
    workers: int,
    meter: CpuMeter,
    replay: bool = False,
) -> Cost:
    """POST the calls in batches over HTTP with `workers` requests in flight; return the
    cost."""
    bodies = [orjson.dumps(calls[i : i + batch]) for i in range(0, len(calls), batch)]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    # A connection per batch, as before, so batches spread over the server's workers; but
    # one client: a client per batch built its TLS context each time, CPU the server lacked.
    client = httpx.Client(timeout=120, limits=httpx.Limits(max_keepalive_connections=0))

    def send(body: bytes) -> int:
        response = client.post(f"{base}/v1/calls", content=body, headers=headers)
        response.raise_for_status()
        result = response.json()
        assert not result["rejected"], result["rejected"][:3]
        return result["duplicates" if replay else "accepted"]

    before = meter.read()
    started = time.perf_counter()
    with client, ThreadPoolExecutor(workers) as pool:
        accepted = sum(pool.map(send, bodies))
    elapsed = time.perf_counter() - started
    assert accepted == len(calls), (accepted, len(calls))
    return Cost(len(calls) / elapsed, meter.per_record(before, len(calls)))


def main() -> None:
    """Run both paths on the same rows and print records/s and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--workers", type=int, default=2, help="callpulse serve --workers")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL") or start_embedded_postgres(
        Path(tempfile.mkdtemp(prefix="callpulse-bench-"))
    )
    url, key, ids = prepare(server_url)
    calls = make_calls(args.calls)
    print(
        f"{args.calls:,} CDRs, batches of {args.batch:,}, on "
        f"{'DATABASE_URL' if os.environ.get('DATABASE_URL') else 'embedded PostgreSQL'}"
    )
    raw = raw_upsert(url, calls, args.batch, ids)
    report("raw COPY + INSERT … ON CONFLICT (1 connection)", raw, "rows")
    process = serve(url, args.port, "--workers", str(args.workers), "--no-scheduler")
    try:
        meter = CpuMeter(url, {"server": process_tree(process.pid)})
        base = f"http://127.0.0.1:{args.port}"
        http = http_ingest(base, key, calls, args.batch, args.concurrency, meter)
        replay = http_ingest(
            base, key, calls[: args.calls // 4], args.batch, args.concurrency, meter, replay=True
        )
        meter.monitor.close()
    finally:
        process.terminate()
        process.wait(10)
    report(f"HTTP POST /v1/calls ({args.concurrency} in flight, {args.workers} workers)", http)
    report("HTTP replay (all duplicates)", replay)
    print(f"{'ratio HTTP / raw upsert':<48} {http.rate / raw.rate:>10.2f}  (target ≥ 0.50)")
    print(f"{'CPU per record, HTTP / raw upsert':<48} {http.total() / raw.total():>10.2f}")
    drop_database(url)


def report(label: str, cost: Cost, unit: str = "records") -> None:
    """Print a path's rate and CPU per record."""
    print(f"{label:<48} {cost.rate:>10,.0f} {unit}/s  {cost.cpu()}")


if __name__ == "__main__":
    main()
