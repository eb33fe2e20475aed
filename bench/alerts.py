"""Benchmark: one alert evaluation pass over many queues, beside a plain GROUP BY of its rows.

For each queue count (default 1,000 and 3,000), with and without history, in a fresh
database with one client whose vendor serves every queue:
1. Writes per queue 12 calls in the last 10 minutes (2 abandoned) and one still waiting;
   with history, 6 calls in the same 10 minutes of each of the 4 weeks before (so the surge
   baseline is the recent weeks); 50 agents on the phones, listing no queue (without
   history the surge baseline is what they can take).
2. Rules: the default ones (service level, abandon rate, surge; schedule adherence is
   skipped: no queue sets its target) and `longest_wait_s > 120` on every queue.
3. Times `evaluate_all` (every client): the first pass (which opens the alerts) and the
   median of the next `--passes` (alerts already open), beside one plain `GROUP BY queue_id`
   of the window's calls (median of 5).

    .venv/bin/python bench/alerts.py [--queues 1000 3000] [--passes 3]

To measure an older tree in the same session, copy this file into its `bench/` and run it
there (`bench/common.py` puts its own tree first on the path).
"""

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from common import fresh_database, tenants

from app.alerts.service import evaluate_all
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.db import driver_connection
from app.partitions import PartitionManager

WINDOW = timedelta(minutes=10)
AGENTS = 50
WAIT_RULE = {
    "name": "bench-longest-wait",
    "metric": "longest_wait_s",
    "op": ">",
    "threshold": 120,
    "severity": "warning",
}


def populate(database, queues: int, history: bool, now: datetime) -> int:
    """Write the scenario's calls, agents and rule; return the client's id."""
    PartitionManager(database.engine).ensure(
        (table, now - timedelta(days=d))
        for table in ("calls", "agent_state_changes")
        for d in range(0, 36, 7)
    )
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate({"alert_rules": [WAIT_RULE]}))
        pg = driver_connection(session)
        client_id = pg.execute("SELECT id FROM clients WHERE code = 'bench'").fetchone()[0]
        vendor_id = pg.execute("SELECT id FROM vendors WHERE code = 'bench-v'").fetchone()[0]
        ids = [r[0] for r in pg.execute("SELECT id FROM queues WHERE client_id = %s", [client_id])]
        weeks = [0, 1, 2, 3, 4] if history else [0]
        # per queue and week: calls n = 1..12 (1..6 in past weeks) offered n·40 s before the
        # week's `now`, answered after 10 s but n = 11, 12 abandoned; one more still waiting
        pg.execute(
            "INSERT INTO calls (client_id, call_id, offered_at, queue_id, vendor_id, direction,"
            " answered_at, ended_at, talk_s, transferred)"
            " SELECT %(c)s, q || '-' || w || '-' || n, t, q, %(v)s, 'inbound',"
            " CASE WHEN n <= 10 THEN t + interval '10 seconds' END,"
            " t + interval '30 seconds', CASE WHEN n <= 10 THEN 20 END, false"
            " FROM unnest(%(q)s::int[]) q, unnest(%(w)s::int[]) w,"
            " generate_series(1, CASE WHEN w = 0 THEN 12 ELSE 6 END) n,"
            " LATERAL (SELECT %(now)s::timestamptz - make_interval(weeks => w, secs => n * 40))"
            " x(t)"
            " UNION ALL SELECT %(c)s, q || '-waiting', %(now)s::timestamptz - interval '3 minutes',"
            " q, %(v)s, 'inbound', NULL, NULL, NULL, false FROM unnest(%(q)s::int[]) q",
            {"c": client_id, "v": vendor_id, "q": ids, "w": weeks, "now": now},
        )
        pg.execute(
            "INSERT INTO call_keys SELECT client_id, call_id, offered_at FROM calls"
            " WHERE client_id = %s",
            [client_id],
        )
        pg.execute(
            "WITH a AS (INSERT INTO agents (client_id, vendor_id, code) SELECT %(c)s, %(v)s,"
            " 'agent-' || n FROM generate_series(1, %(n)s) n RETURNING id)"
            " INSERT INTO agent_state_changes (client_id, agent_id, at, vendor_id, state)"
            " SELECT %(c)s, id, %(now)s::timestamptz - interval '30 minutes', %(v)s, 'available'"
            " FROM a",
            {"c": client_id, "v": vendor_id, "n": AGENTS, "now": now},
        )
        pg.execute("ANALYZE")
    return client_id


def plain_group_by(database, client_id: int, now: datetime) -> float:
    """Time one GROUP BY of the window's calls per queue (median of 5); return seconds."""
    timings = []
    with database.session_scope() as session:
        pg = driver_connection(session)
        for _ in range(5):
            began = time.perf_counter()
            pg.execute(
                "SELECT queue_id, count(*), count(answered_at),"
                " count(*) FILTER (WHERE answered_at IS NULL AND ended_at IS NOT NULL)"
                " FROM calls WHERE client_id = %s AND offered_at >= %s AND offered_at < %s"
                " GROUP BY queue_id",
                [client_id, now - WINDOW, now],
            ).fetchall()
            timings.append(time.perf_counter() - began)
    return statistics.median(timings)


def passes(database, settings, count: int) -> tuple[float, list[float], int]:
    """Time the first pass and `count` more; return them and the alerts open after."""
    timings = []
    for _ in range(count + 1):
        began = time.perf_counter()
        evaluate_all(database, settings, datetime.now(UTC))
        timings.append(time.perf_counter() - began)
    with database.session_scope() as session:
        open_ = driver_connection(session).execute(
            "SELECT count(*) FROM alerts WHERE state <> 'resolved'"
        )
        return timings[0], timings[1:], open_.fetchone()[0]


def scenario(queues: int, history: bool, count: int) -> None:
    """Run one queue count, with or without history, and print its line."""
    database, settings, where = fresh_database(f"callpulse_bench_alerts_{queues}_{int(history)}")
    tenants(database, [f"aq{i:05d}" for i in range(queues)])
    now = datetime.now(UTC) - timedelta(seconds=5)
    client_id = populate(database, queues, history, now)
    baseline = plain_group_by(database, client_id, now)
    first, warm, opened = passes(database, settings, count)
    steady = statistics.median(warm)
    label = "with history   " if history else "without history"
    print(
        f"{queues:>6,} queues, {label}: first pass {first:6.2f} s, then median {steady:6.2f} s"
        f" ({opened:,} alerts open); plain GROUP BY {baseline * 1000:6.1f} ms,"
        f" pass ÷ GROUP BY {steady / baseline:,.0f}×  [{where}]",
        flush=True,
    )
    database.engine.dispose()


def main() -> None:
    """Run every scenario and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    print("alert evaluation pass (target: 3,000 queues in ≤ 1.5 s)")
    for queues in args.queues:
        for history in (True, False):
            scenario(queues, history, args.passes)


if __name__ == "__main__":
    main()
