"""Benchmark: a month's SLA report over a large history, beside same-run baselines.

1. One client, 20 queues, one vendor with 20 agents per queue (--agents-per-queue; 0 = no
   agents, bench/aggregation.py's shape): N calls (default 10,000,000) over 90 days written
   straight into `calls` (bench/aggregation.py's generator), each answered call given an agent
   of its queue; agent shifts (about 10 state changes per agent and day), 200,000 tickets and
   2,000 alerts; the stats built by the bulk rebuild. Call stats keep one row per queue,
   interval and agent, so agents multiply the rows a month's report sums.
2. A contract on all 20 queues with call, agent, ticket and alert targets.
3. Times `sla_report` for the last whole month (median and p95 over --rounds), the same
   through HTTP (`GET /v1/sla/bench`, JSON, in-process), and each export once.
4. Baselines in the same run: a plain count(*) of the month's call stats rows, and the
   month's call components computed once from raw calls instead of stats.

    .venv/bin/python bench/sla.py [--calls 10000000] [--rounds 20] [--agents-per-queue 20]
"""

import argparse
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from aggregation import DAYS, generate
from common import fresh_database, p95, tenants
from fastapi.testclient import TestClient

from app.access.keys import Principal
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.contracts.service import sla_report
from app.core.db import driver_connection
from app.kpi.aggregation import rebuild
from app.kpi.sources import CALLS
from app.main import create_app
from app.partitions import PartitionManager

QUEUES = [f"sla-q{i:02d}" for i in range(20)]
# One agent's day: (minutes after 09:00 local, state); logged out at 17:00.
SHIFT = [(0, "available"), (20, "talking"), (60, "acw"), (70, "available"), (120, "not_ready")]
SHIFT += [(135, "talking"), (240, "available"), (300, "talking"), (420, "acw"), (480, "logged_out")]
# n rows g with a moment t spread evenly over the history (a prime step through its seconds).
SPREAD = (
    "(SELECT g, %(s)s + make_interval(secs => (g * 3889) %% (%(days)s * 86400)) AS t"
    " FROM generate_series(1, {n}) g) x"
)


def ids(pg) -> tuple[int, int]:
    """Return the bench client's and vendor's ids."""
    return pg.execute(
        "SELECT c.id, v.id FROM clients c, vendors v WHERE c.code = 'bench' AND v.code = 'bench-v'"
    ).fetchone()


def seed_agents(database, start: datetime, per_queue: int) -> None:
    """Give answered calls an agent of their queue, and every agent a shift each day."""
    with database.session_scope() as session:
        pg = driver_connection(session)
        client_id, vendor_id = ids(pg)
        pg.execute(
            "INSERT INTO agents (client_id, vendor_id, code) SELECT %s, %s, 'ag' || g"
            " FROM generate_series(1, %s) g",
            [client_id, vendor_id, len(QUEUES) * per_queue],
        )
        pg.execute(
            "UPDATE calls c SET agent_id = a.id FROM (SELECT id, row_number() OVER (ORDER BY id)"
            " - 1 AS n FROM agents WHERE client_id = %(c)s) a, (SELECT id, row_number() OVER"
            " (ORDER BY id) - 1 AS n FROM queues WHERE client_id = %(c)s) q"
            " WHERE c.client_id = %(c)s AND c.answered_at IS NOT NULL AND q.id = c.queue_id"
            " AND a.n = q.n * %(per)s + abs(hashtext(c.call_id)) %% %(per)s",
            {"c": client_id, "per": per_queue},
        )
        shift = [f"({m}, '{s}')" for m, s in SHIFT]
        pg.execute(
            "INSERT INTO agent_state_changes (client_id, agent_id, at, vendor_id, state)"
            " SELECT %s, a.id, d + interval '1 hour' + make_interval(mins => s.m), %s, s.state"
            " FROM agents a CROSS JOIN generate_series(%s::timestamptz, %s::timestamptz,"
            f" interval '1 day') d CROSS JOIN (VALUES {', '.join(shift)}) AS s(m, state)"
            " WHERE a.client_id = %s",
            [client_id, vendor_id, start, start + timedelta(days=DAYS - 1), client_id],
        )


def seed_tickets_and_alerts(database, start: datetime) -> None:
    """Write 200,000 tickets on three channels and 2,000 acknowledged alerts."""
    with database.session_scope() as session:
        pg = driver_connection(session)
        client_id, vendor_id = ids(pg)
        pg.execute(
            "INSERT INTO tickets (client_id, ticket_id, created_at, queue_id, vendor_id, channel,"
            " first_response_at, resolved_at) SELECT %(c)s, 't' || g, t, q[1 + g %% 20], %(v)s,"
            " (ARRAY['email', 'chat', 'web'])[1 + g %% 3], t + make_interval(secs => g %% 20000),"
            f" t + make_interval(secs => g %% 90000) FROM {SPREAD.format(n=200_000)},"
            " (SELECT array_agg(id ORDER BY id) AS q FROM queues WHERE client_id = %(c)s) qs",
            {"c": client_id, "v": vendor_id, "s": start, "days": DAYS},
        )
        pg.execute("INSERT INTO ticket_keys SELECT client_id, ticket_id, created_at FROM tickets")
        pg.execute(
            "INSERT INTO alert_rules (name, metric, window_min, op, threshold, min_volume,"
            " severity, ack_within_min) VALUES ('bench', 'service_level', 10, '<', 0.8, 0,"
            " 'critical', 10)"
        )
        pg.execute(
            "INSERT INTO alerts (client_id, queue_id, rule_id, state, value, threshold,"
            " opened_at, acknowledged_at, last_value) SELECT %(c)s, q[1 + g %% 20],"
            " (SELECT id FROM alert_rules WHERE name = 'bench'), 'resolved', 0.7, 0.8, t,"
            f" t + make_interval(secs => 60 + g %% 900), 0.7 FROM {SPREAD.format(n=2_000)},"
            " (SELECT array_agg(id ORDER BY id) AS q FROM queues WHERE client_id = %(c)s) qs",
            {"c": client_id, "s": start, "days": DAYS},
        )


def contract(month_start: date) -> TenancyFile:
    """A contract on every bench queue, in force for the reported month."""
    return TenancyFile.model_validate(
        {
            "contracts": [
                {
                    "code": "bench-contract",
                    "client": "bench",
                    "vendor": "bench-v",
                    "queues": QUEUES,
                    "valid_from": month_start - timedelta(days=365),
                    "valid_to": month_start + timedelta(days=365),
                    "targets": {
                        "service_level": {"min": 0.8, "weight": 30},
                        "abandon_rate": {"max": 0.12, "weight": 10},
                        "asa_s": {"max": 30, "weight": 10},
                        "aht_s": {"min": 120, "max": 400, "weight": 10},
                        "csat": {"min": 75, "weight": 10},
                        "not_ready_ratio": {"max": 0.1, "weight": 10},
                        "utilization": {"min": 0.8, "weight": 5},
                        "ticket_frt_sla.email": {"min": 0.9, "weight": 10},
                        "alert_response_s": {"max": 600, "weight": 5},
                    },
                    "billing": {
                        "model": "per_workload",
                        "unit_price": 4.5,
                        "currency": "CNY",
                        "bands": [
                            {"min_score": 95, "coefficient": 1.05},
                            {"min_score": 80, "coefficient": 1.0},
                            {"min_score": 0, "coefficient": 0.9},
                        ],
                    },
                }
            ]
        }
    )


def timed(runs: int, action) -> list[float]:
    """Run `action` `runs` times after one warm-up; return each run's milliseconds."""
    action()
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def baselines(database, month: str, lo: datetime, hi: datetime) -> tuple[float, float]:
    """Time a count(*) of the month's call stats rows, and the month's components from raw."""
    with database.session_scope() as session:
        pg = driver_connection(session)
        client_id = pg.execute("SELECT id FROM clients WHERE code = 'bench'").fetchone()[0]
        rows, agent_rows = pg.execute(
            "SELECT (SELECT count(*) FROM call_interval_stats WHERE client_id = %(c)s"
            " AND interval_start >= %(lo)s AND interval_start < %(hi)s),"
            " (SELECT count(*) FROM agent_interval_stats WHERE client_id = %(c)s"
            " AND interval_start >= %(lo)s AND interval_start < %(hi)s)",
            {"c": client_id, "lo": lo, "hi": hi},
        ).fetchone()

        def count() -> None:
            pg.execute(
                "SELECT count(*) FROM call_interval_stats WHERE client_id = %s"
                " AND interval_start >= %s AND interval_start < %s",
                [client_id, lo, hi],
            ).fetchone()

        counting = statistics.median(timed(5, count))
        began = time.perf_counter()
        pg.execute(
            "SELECT (c.offered_at AT TIME ZONE 'Asia/Shanghai')::date,"
            f" {CALLS.select_sql()} FROM calls c {CALLS.rows_sql}"
            " WHERE c.client_id = %s AND c.offered_at >= %s AND c.offered_at < %s"
            " AND c.offered_known GROUP BY 1",
            [client_id, lo, hi],
        ).fetchall()
        raw = (time.perf_counter() - began) * 1000
    print(f"  {month}: {rows:,} call stats rows, {agent_rows:,} agent stats rows")
    return counting, raw


def main() -> None:
    """Seed, then time the month's report beside its baselines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--agents-per-queue",
        type=int,
        default=20,
        help="0: calls carry no agent and no agent works shifts (bench/aggregation.py's shape)",
    )
    args = parser.parse_args()
    database, settings, where = fresh_database("callpulse_bench_sla")
    keys = tenants(database, QUEUES)
    now = datetime.now(UTC) - timedelta(days=1)
    start = now - timedelta(days=DAYS)
    PartitionManager(database.engine).ensure(
        (table, start + timedelta(days=d))
        for table in ("agent_state_changes", "tickets")
        for d in range(0, DAYS + 31, 10)
    )
    print(f"{args.calls:,} calls, {len(QUEUES)} queues, {DAYS} days, on {where}")
    generate(database, args.calls, now)
    began = time.perf_counter()
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if args.agents_per_queue:
        seed_agents(database, midnight, args.agents_per_queue)
    seed_tickets_and_alerts(database, midnight)
    print(f"  agents, shifts, tickets and alerts seeded in {time.perf_counter() - began:.0f} s")
    began = time.perf_counter()
    rebuild(database, settings)
    print(f"  stats rebuilt in {time.perf_counter() - began:.0f} s")
    first_of_month = now.date().replace(day=1)
    month_start = (first_of_month - timedelta(days=1)).replace(day=1)
    month = f"{month_start:%Y-%m}"
    with database.session_scope() as session:
        apply_tenancy(session, contract(month_start))
        driver_connection(session).execute("ANALYZE")
        client_id = (
            driver_connection(session)
            .execute("SELECT id FROM clients WHERE code = 'bench'")
            .fetchone()[0]
        )
    principal = Principal(0, "client", client_id=client_id)

    def report() -> dict:
        with database.session_scope() as session:
            return sla_report(session, principal, "bench", month)

    body = report()
    lo, hi = (
        datetime.fromisoformat(body["period"]["start"]),
        datetime.fromisoformat(body["period"]["end"]),
    )
    counting, raw = baselines(database, month, lo, hi)
    service = timed(args.rounds, report)
    with TestClient(create_app(settings, database)) as http:
        auth = {"Authorization": f"Bearer {keys['client_key']}"}

        def get(suffix: str = "") -> None:
            response = http.get(f"/v1/sla/bench{suffix}", params={"period": month}, headers=auth)
            assert response.status_code == 200, response.text

        route = timed(args.rounds, get)
        exports = {suffix: timed(1, lambda s=suffix: get(s))[0] for suffix in (".csv", ".xlsx")}
        exports[".pdf"] = timed(1, lambda: get(".pdf"))[0]
    print(f"report of {month}: score {body['score']}, {body['amount']['line']}")
    print(f"baseline count(*) of the month's call stats rows:  {counting:8.1f} ms")
    print(f"baseline month's call components from raw calls:   {raw:8.1f} ms (once)")
    print(
        f"sla_report (service):  median {statistics.median(service):6.1f} ms,"
        f" p95 {p95(service):6.1f} ms over {args.rounds} (target median ≤ 300 ms)"
    )
    print(
        f"GET /v1/sla/bench (HTTP, JSON):  median {statistics.median(route):6.1f} ms,"
        f" p95 {p95(route):6.1f} ms"
    )
    print("exports (one each): " + ", ".join(f"{s} {ms:.0f} ms" for s, ms in exports.items()))


if __name__ == "__main__":
    main()
