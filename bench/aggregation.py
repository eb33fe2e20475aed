"""Benchmark: aggregation over a large history, beside a plain SQL GROUP BY of the same rows.

1. Writes N calls (default 10,000,000) over 90 days and 20 queues straight into `calls`.
2. Baseline: one plain `GROUP BY` computing the same components over all rows (calls/s).
3. Full rebuild: mark every interval, drain the incremental passes (calls/s, and the ratio).
4. Incremental: ingest 1,000 new calls through the ingest service, time the pass that
   follows; repeated, median and p95.
5. Hot interval: the same, with the 1,000 calls (half of them corrections of calls already
   there) in one queue's current interval, which already holds `--hot` calls (default
   400,000: a minute at twice capacity). A pass should cost what changed, not the interval.
6. Workers: `--clients` clients (default 16) with `--client-calls` calls each (default
   20,000, over 7 days); every interval of theirs is marked, and 1 then 2 workers (threads
   running `run_pass` in a loop, as `callpulse worker` does; the work is in PostgreSQL) take
   the markers until none is left, a pass taking about `--worker-batch` markers (default
   2,000, so that passes split the clients): markers/s of each, and the ratio, same run.

    .venv/bin/python bench/aggregation.py [--calls 10000000] [--rounds 15] [--hot 400000]
        [--clients 16] [--client-calls 20000] [--worker-batch 2000]
"""

import argparse
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

from common import fresh_database, p95, tenants

from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.db import driver_connection
from app.kpi import repository
from app.kpi.aggregation import rebuild, run_pass
from app.kpi.intervals import grid_floor
from app.kpi.sources import CALLS
from app.partitions import PartitionManager
from ingest.body import RawRecord
from ingest.service import IngestService

QUEUES = [f"agg-q{i:02d}" for i in range(20)]
DAYS = 90


def generate(
    database,
    n: int,
    now: datetime,
    days: float = DAYS,
    prefix: str = "h",
    queues=QUEUES,
    client: str = "bench",
) -> None:
    """Insert n calls (90 % answered) of `client` spread over `days` before `now` and over
    `queues`, in chunks of 1 M."""
    start = now - timedelta(days=days)
    PartitionManager(database.engine).ensure(
        ("calls", start + timedelta(days=d)) for d in range(0, DAYS + 31, 10)
    )
    with database.session_scope() as session:
        pg = driver_connection(session)
        client_id = pg.execute("SELECT id FROM clients WHERE code = %s", [client]).fetchone()[0]
        vendor_id = pg.execute("SELECT id FROM vendors WHERE code = 'bench-v'").fetchone()[0]
        queue_ids = [
            r[0]
            for r in pg.execute(
                "SELECT id FROM queues WHERE client_id = %s AND code = ANY(%s)",
                [client_id, list(queues)],
            )
        ]
    for first in range(0, n, 1_000_000):
        last = min(n, first + 1_000_000)
        began = time.perf_counter()
        with database.session_scope() as session:
            pg = driver_connection(session)
            pg.execute(
                "INSERT INTO calls (client_id, call_id, offered_at, queue_id, vendor_id,"
                " direction, answered_at, ended_at, talk_s, acw_s, transferred, resolved, csat)"
                " SELECT %(c)s, %(p)s || g, t, (%(q)s::int[])[1 + g %% %(nq)s], %(v)s, 'inbound',"
                " CASE WHEN r < 0.9 THEN t + make_interval(secs => w) END,"
                " t + make_interval(secs => w + CASE WHEN r < 0.9 THEN talk ELSE 0 END),"
                " CASE WHEN r < 0.9 THEN talk END, CASE WHEN r < 0.9 THEN 30 END,"
                " r < 0.05, r < 0.7, CASE WHEN r < 0.3 THEN 80 END"
                " FROM (SELECT g, %(start)s"
                " + random() * make_interval(secs => %(days)s::float8 * 86400) AS t,"
                " random() AS r, round((random() * 60)::numeric, 3) AS w,"
                " round((60 + random() * 300)::numeric, 3) AS talk"
                " FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g) x",
                {
                    "c": client_id,
                    "q": queue_ids,
                    "nq": len(queue_ids),
                    "v": vendor_id,
                    "lo": first + 1,
                    "hi": last,
                    "start": start,
                    "days": days,
                    "p": prefix,
                },
            )
            pg.execute(
                "INSERT INTO call_keys SELECT client_id, call_id, offered_at FROM calls"
                " WHERE client_id = %s AND call_id IN (SELECT %s || g FROM"
                " generate_series(%s::bigint, %s::bigint) g)",
                [client_id, prefix, first + 1, last],
            )
        rate = (last - first) / (time.perf_counter() - began)
        print(f"  wrote {last:>11,} calls ({rate:,.0f}/s)", flush=True)
    with database.session_scope() as session:
        driver_connection(session).execute("ANALYZE")


def plain_group_by(database, minutes: int) -> float:
    """Time one GROUP BY computing the same components over every call; return calls/s."""
    with database.session_scope() as session:
        pg = driver_connection(session)
        began = time.perf_counter()
        pg.execute(
            f"CREATE TEMP TABLE baseline AS SELECT c.client_id, c.queue_id,"
            f" date_bin(%s::interval, c.offered_at, {repository.ORIGIN}) AS interval_start,"
            f" coalesce(c.agent_id, 0) AS agent_id, {CALLS.select_sql()}"
            f" FROM calls c {CALLS.rows_sql} WHERE c.offered_known GROUP BY 1, 2, 3, 4",
            [f"{minutes} minutes"],
        )
        elapsed = time.perf_counter() - began
        calls = pg.execute("SELECT count(*) FROM calls").fetchone()[0]
    return calls / elapsed


def full_rebuild(database, settings) -> tuple[float, int]:
    """Rebuild every interval (`callpulse aggregate --rebuild`); return calls/s and rows."""
    began = time.perf_counter()
    rebuild(database, settings)
    elapsed = time.perf_counter() - began
    with database.session_scope() as session:
        pg = driver_connection(session)
        calls = pg.execute("SELECT count(*) FROM calls").fetchone()[0]
        rows = pg.execute("SELECT count(*) FROM call_interval_stats").fetchone()[0]
    return calls / elapsed, rows


def incremental(
    database, settings, rounds: int, now: datetime, hot: datetime | None = None
) -> list[float]:
    """Ingest 1,000 new calls, then time the next pass; return the pass times in ms.

    With `hot`, the calls go to the first queue's interval starting then, and half of them
    correct a call written there by `generate` (prefix `hot`).
    """
    service = IngestService(database, PartitionManager(database.engine), settings)
    with database.session_scope() as session:
        vendor_id = (
            driver_connection(session)
            .execute("SELECT id FROM vendors WHERE code = 'bench-v'")
            .fetchone()[0]
        )
    timings = []
    for round_no in range(rounds):
        records = []
        for i in range(1000):
            offered = now - timedelta(minutes=(i * 7 + round_no) % 600)
            call_id, queue = f"new-{round_no}-{i}", QUEUES[i % len(QUEUES)]
            if hot:
                offered = hot + timedelta(seconds=(i * 7 + round_no) % 600)
                call_id = f"hot{1 + round_no * 500 + i}" if i % 2 else f"hotnew-{round_no}-{i}"
                queue = QUEUES[0]
            records.append(
                RawRecord(
                    i,
                    {
                        "call_id": call_id,
                        "queue": queue,
                        "offered_at": offered.isoformat(),
                        "answered_at": (offered + timedelta(seconds=i % 40)).isoformat(),
                        "ended_at": (offered + timedelta(seconds=200)).isoformat(),
                    },
                )
            )
        result = service.ingest("calls", vendor_id, records)
        assert result.accepted == 1000, result.rejected[:3]
        began = time.perf_counter()
        report = run_pass(database, settings)
        timings.append((time.perf_counter() - began) * 1000)
        assert getattr(report, "changes", 0) or report.markers  # `changes`: with deltas
    return timings


def worker_clients(database, clients: int, calls: int, now: datetime) -> list[int]:
    """Create `clients` clients of one queue each, served by the bench vendor, with `calls`
    calls each over 7 days; return their ids."""
    codes = [f"work{i:03d}" for i in range(clients)]
    spec = TenancyFile.model_validate(
        {
            "clients": [{"code": c, "name": c, "timezone": "Asia/Shanghai"} for c in codes],
            "vendors": [{"code": "bench-v", "name": "Bench vendor"}],
            "queues": [{"code": f"{c}-q", "client": c, "vendors": ["bench-v"]} for c in codes],
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
    for code in codes:
        generate(database, calls, now, 7, f"w{code}", [f"{code}-q"], code)
    with database.session_scope() as session:
        pg = driver_connection(session)
        return [r[0] for r in pg.execute("SELECT id FROM clients WHERE code = ANY(%s)", [codes])]


def workers_drain(
    database, settings, client_ids: list[int], workers: int
) -> tuple[float, list[int]]:
    """Mark every interval of the clients, then let `workers` threads run passes until no
    marker is left; return markers/s and the markers each worker took."""
    with database.session_scope() as session:
        pg = driver_connection(session)
        for client_id in client_ids:
            repository.mark_for_rebuild(pg, settings.interval_minutes, client_id=client_id)
    taken = [0] * workers

    def left() -> bool:
        with database.session_scope() as session:
            return (
                driver_connection(session)
                .execute(
                    "SELECT EXISTS (SELECT FROM dirty_intervals) OR EXISTS (SELECT FROM"
                    " claimed_intervals) OR EXISTS (SELECT FROM stats_changes)"
                )
                .fetchone()[0]
            )

    def work(n: int) -> None:
        while left():
            taken[n] += run_pass(database, settings).markers

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(taken) / (time.perf_counter() - began), taken


def main() -> None:
    """Run the three measurements and print them beside their baselines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--hot", type=int, default=400_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--client-calls", type=int, default=20_000)
    parser.add_argument("--worker-batch", type=int, default=2_000)
    args = parser.parse_args()
    database, settings, where = fresh_database("callpulse_bench_agg")
    tenants(database, QUEUES)
    now = datetime.now(UTC) - timedelta(minutes=10)
    print(f"{args.calls:,} calls of history, {len(QUEUES)} queues, {DAYS} days, on {where}")
    generate(database, args.calls, now - timedelta(days=1))
    group_by = plain_group_by(database, settings.interval_minutes)
    rebuilt, intervals = full_rebuild(database, settings)
    passes = incremental(database, settings, args.rounds, now)
    interval = timedelta(minutes=settings.interval_minutes)
    hot = grid_floor(now, settings.interval_minutes)
    generate(database, args.hot, hot + interval, interval / timedelta(days=1), "hot", QUEUES[:1])
    hot_passes = incremental(database, settings, args.rounds, now, hot)
    client_ids = worker_clients(database, args.clients, args.client_calls, now)
    batched = settings.model_copy(update={"aggregate_batch": args.worker_batch})
    alone, [marked] = workers_drain(database, batched, client_ids, 1)
    paired, split = workers_drain(database, batched, client_ids, 2)
    print(f"plain GROUP BY of all components:       {group_by:>12,.0f} calls/s")
    print(
        f"full rebuild ({intervals:,} stats rows):  {rebuilt:>12,.0f} calls/s"
        f"   ratio {rebuilt / group_by:.2f} (target ≥ 0.50)"
    )
    print(
        f"incremental pass after 1,000 new calls:  median {statistics.median(passes):.1f} ms,"
        f" p95 {p95(passes):.1f} ms (target median ≤ 50 ms)"
    )
    print(
        f"same, in an interval of {args.hot:,} calls:  median"
        f" {statistics.median(hot_passes):.1f} ms, p95 {p95(hot_passes):.1f} ms"
    )
    print(
        f"passes over {marked:,} markers of {args.clients} clients:  1 worker {alone:,.0f}"
        f" markers/s, 2 workers {paired:,.0f} markers/s (taken {' + '.join(map(str, split))})"
        f"   ratio {paired / alone:.2f}"
    )


if __name__ == "__main__":
    main()
