"""Recorded answers: the public KPI answers for fixed data, to show a change left them alone.

1. A fresh database with two clients' worth of tenancy (two SL formulas, targets, two
   contracts, an alert rule), then deterministic calls, agent events and tickets posted through
   the real HTTP API (the ASGI app in process) on fixed past days, alerts stored on them, and a
   few calls and agent events of the last minutes for the live view; stats by `drain`.
2. Fetches `/v1/metrics` (every granularity, every split, JSON and CSV, client and queue
   level), `/v1/queues/{code}/live` and `/v1/sla/{client}` (JSON and the CSV export).
3. Masks only what depends on the clock (as_of, ages, in_state_s, since, longest wait, the
   report's read time) and writes canonical JSON.

    .venv/bin/python bench/answers.py --out answers.json
    .venv/bin/python bench/answers.py --compare answers.json   # exit 1 on any difference

With `--compare`, KPI keys present now but absent from the recording are listed apart as
"added" (a new KPI appears where all KPIs are listed) and do not count as a difference; with
`--new-kpis` too, neither does the KPI definitions fingerprint an added KPI changes.
"""

import argparse
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from common import fresh_database
from fastapi.testclient import TestClient

from app.access.keys import create_key
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.db import driver_connection
from app.kpi.aggregation import drain
from app.main import create_app

SEED = 10
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = [datetime(2026, 10, 27, tzinfo=UTC) + timedelta(days=d) for d in range(14)]
QUEUES = ("ans-q1", "ans-q2", "ans-q3")
AGENTS = {"ans-v1": ("a1", "a2", "a3"), "ans-v2": ("b1", "b2")}
# Fields whose value depends on when the answers are read, not on the data.
# (The contract's update time is when this run applied it.)
CLOCK_FIELDS = {"as_of", "age_s", "in_state_s", "since", "longest_wait_s", "last_record_at"}
CLOCK_FIELDS |= {"contract_updated_at"}
CLOCK_CSV_PREFIXES = ("As of", "Read at", "as_of", "Generated", "Contract last updated")

TENANCY = {
    "clients": [
        {"code": "ans", "name": "Answers client", "timezone": "Asia/Shanghai"},
        {"code": "ans-live", "name": "Live client", "timezone": "Asia/Shanghai"},
    ],
    "vendors": [
        {"code": "ans-v1", "name": "Vendor one"},
        {"code": "ans-v2", "name": "Vendor two"},
        {"code": "ans-v3", "name": "Vendor of the live client"},
    ],
    "queues": [
        {
            "code": "ans-q1",
            "client": "ans",
            "vendors": ["ans-v1"],
            "targets": {"service_level": {"min": 0.8}, "aht_s": {"min": 120, "max": 400}},
        },
        {
            "code": "ans-q2",
            "client": "ans",
            "vendors": ["ans-v1", "ans-v2"],
            "sl_formula": "ignore_abandoned",
            "sl_threshold_s": 30,
            "short_abandon_s": 5,
            "ticket_targets": {"email": {"first_response_s": 3600, "resolution_s": 7200}},
            "targets": {"abandon_rate": {"max": 0.1}, "occupancy": {"min": 0.5, "max": 0.9}},
        },
        {
            "code": "ans-q3",
            "client": "ans",
            "vendors": ["ans-v2"],
            "sl_formula": "abandoned_positive",
        },
        {
            "code": "ans-live",
            "client": "ans-live",
            "vendors": ["ans-v3"],
            "short_abandon_s": 3,
            "targets": {"service_level": {"min": 0.75}, "aht_s": {"max": 300}},
        },
    ],
    "alert_rules": [
        {"name": "ans-sl", "metric": "service_level", "op": "<", "threshold": 0.8},
    ],
    "contracts": [
        {
            "code": "ans-k1",
            "client": "ans",
            "vendor": "ans-v1",
            "queues": ["ans-q1", "ans-q2"],
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "targets": {
                "service_level": {"min": 0.8, "weight": 20},
                "abandon_rate": {"max": 0.08, "weight": 10, "penalty": 100},
                "asa_s": {"max": 25, "weight": 10},
                "aht_s": {"min": 100, "max": 300, "weight": 10},
                "csat": {"min": 80, "weight": 10},
                "fcr_rate": {"min": 0.6, "weight": 5},
                "occupancy": {"min": 0.6, "weight": 10},
                "ticket_frt_sla.email": {"min": 0.7, "weight": 10},
                "ticket_resolution_sla": {"min": 0.5, "weight": 5},
                "alert_response_s": {"max": 600, "weight": 10},
            },
            "billing": {
                "model": "per_workload",
                "unit_price": 4.5,
                "currency": "CNY",
                "bands": [
                    {"min_score": 90, "coefficient": 1.05},
                    {"min_score": 0, "coefficient": 0.9},
                ],
                "penalty_per_missed_target": 50,
            },
        },
        {
            "code": "ans-k2",
            "client": "ans",
            "vendor": "ans-v2",
            "queues": ["ans-q2", "ans-q3"],
            "valid_from": "2026-10-01",
            "valid_to": "2026-11-30",
            "targets": {
                "not_ready_ratio": {"max": 0.2, "weight": 40},
                "utilization": {"min": 0.5, "weight": 30},
                "transfer_rate": {"max": 0.2, "weight": 30},
            },
            "billing": {"model": "per_hour", "unit_price": 30, "currency": "USD"},
        },
    ],
}


def iso(moment: datetime) -> str:
    """Write an instant in Shanghai time, as a vendor there would send it."""
    return moment.astimezone(SHANGHAI).isoformat()


def history(rng: random.Random) -> dict[str, dict[str, list[dict]]]:
    """Return per vendor and path the records of the fixed past days."""
    out: dict[str, dict[str, list[dict]]] = {v: {} for v in AGENTS}
    for day in DAYS:
        for vendor, agents in AGENTS.items():
            queues = [q for q in QUEUES if vendor in _vendors(q)]
            calls = out[vendor].setdefault("/v1/calls", [])
            for n in range(rng.randint(15, 30)):
                queue = rng.choice(queues)
                offered = day + timedelta(hours=rng.randint(0, 13), seconds=rng.randint(0, 3599))
                record: dict[str, Any] = {
                    "call_id": f"{vendor}-{day:%m%d}-{n}",
                    "queue": queue,
                    "offered_at": iso(offered),
                }
                kind = rng.random()
                if kind < 0.08:
                    record["direction"] = "outbound"
                    record["answered_at"] = iso(offered + timedelta(seconds=5))
                    record["ended_at"] = iso(offered + timedelta(seconds=65))
                    record["agent"] = rng.choice(agents)
                elif kind < 0.22:
                    record["ended_at"] = iso(offered + timedelta(seconds=rng.randint(1, 90)))
                else:
                    wait = rng.randint(0, 70)
                    talk = rng.randint(30, 500)
                    hold = rng.choice([0, 0, 0, 15, 40, 90])
                    answered = offered + timedelta(seconds=wait)
                    record |= {
                        "answered_at": iso(answered),
                        "ended_at": iso(answered + timedelta(seconds=talk + hold)),
                        "agent": rng.choice(agents) if rng.random() < 0.9 else None,
                    }
                    if rng.random() < 0.8:
                        record["talk_s"] = talk
                    if hold or rng.random() < 0.5:
                        record["hold_s"] = hold
                    if rng.random() < 0.7:
                        record["acw_s"] = rng.randint(0, 60)
                    record["transferred"] = rng.random() < 0.15
                    if rng.random() < 0.7:
                        record["resolved"] = rng.random() < 0.75
                    if rng.random() < 0.3:
                        record["csat"] = rng.choice([60, 80, 90, 100])
                calls.append({k: v for k, v in record.items() if v is not None})
            events = out[vendor].setdefault("/v1/agent-events", [])
            for agent in agents:
                at = day + timedelta(hours=1, minutes=rng.randint(0, 30))
                for state in ("available", "talking", "acw", "available", "not_ready", "talking"):
                    events.append(
                        {"agent": agent, "state": state, "at": iso(at), "queues": queues[:1]}
                    )
                    at += timedelta(minutes=rng.randint(5, 90))
                events.append({"agent": agent, "state": "logged_out", "at": iso(at)})
            tickets = out[vendor].setdefault("/v1/tickets", [])
            for n in range(rng.randint(3, 8)):
                created = day + timedelta(hours=rng.randint(0, 12), minutes=rng.randint(0, 59))
                ticket: dict[str, Any] = {
                    "ticket_id": f"{vendor}-t{day:%m%d}-{n}",
                    "queue": rng.choice(queues),
                    "channel": rng.choice(["email", "chat", "web", "sms"]),
                    "created_at": iso(created),
                }
                if rng.random() < 0.85:
                    responded = created + timedelta(minutes=rng.randint(1, 400))
                    ticket["first_response_at"] = iso(responded)
                    if rng.random() < 0.7:
                        ticket["resolved_at"] = iso(
                            responded + timedelta(minutes=rng.randint(1, 900))
                        )
                tickets.append(ticket)
    return out


def recent(rng: random.Random, now: datetime) -> dict[str, dict[str, list[dict]]]:
    """Return calls and agent events of the last minutes (waits fixed, so KPIs are too), on a
    client of their own: open agent states count until now, which the past days must not see.

    Read close to local midnight, some of them fall on the day before: record away from it.
    """
    calls, events = [], []
    for n in range(12):
        offered = now - timedelta(minutes=9, seconds=-30 * n)
        record: dict[str, Any] = {
            "call_id": f"live-{n}",
            "queue": "ans-live",
            "offered_at": iso(offered),
        }
        if n % 4 == 3:
            record["ended_at"] = iso(offered + timedelta(seconds=25))
        elif n < 10:
            answered = offered + timedelta(seconds=rng.choice([5, 15, 25, 40]))
            record |= {
                "answered_at": iso(answered),
                "ended_at": iso(answered + timedelta(seconds=20)),
                "agent": "c1" if n % 2 else "c2",
                "hold_s": 4 if n % 3 == 0 else 0,
                "talk_s": 16,
            }
        calls.append(record)
    for i, agent in enumerate(("c1", "c2", "c3")):
        state = ("available", "talking", "not_ready")[i]
        at = iso(now - timedelta(minutes=20))
        events.append({"agent": agent, "state": state, "at": at, "queues": ["ans-live"]})
    return {"ans-v3": {"/v1/calls": calls, "/v1/agent-events": events}}


def _vendors(queue: str) -> list[str]:
    return next(q["vendors"] for q in TENANCY["queues"] if q["code"] == queue)  # type: ignore[index]


def store_alerts(database) -> None:
    """Store alerts on the fixed days: acknowledged, resolved unacknowledged, the last one of
    ans-q3 still open (a rule has one active alert per queue)."""
    with database.session_scope() as session:
        pg = driver_connection(session)
        for n, day in enumerate(DAYS[::2]):
            for queue, acked_s, resolved_s in (
                ("ans-q1", 120 + 30 * n, 900),
                ("ans-q2", None, 400 + 60 * n),
                ("ans-q3", 700, None if n == len(DAYS[::2]) - 1 else 3000),
            ):
                state = "resolved" if resolved_s else "acknowledged" if acked_s else "open"
                pg.execute(
                    "INSERT INTO alerts (client_id, queue_id, rule_id, state, value, threshold,"
                    " opened_at, acknowledged_at, resolved_at, last_value)"
                    " SELECT q.client_id, q.id, r.id, %s, 0.5, 0.8, o,"
                    " o + make_interval(secs => %s), o + make_interval(secs => %s), 0.5"
                    " FROM queues q, alert_rules r, (SELECT %s::timestamptz AS o) x"
                    " WHERE q.code = %s AND r.name = 'ans-sl'",
                    [state, acked_s, resolved_s, day + timedelta(hours=3 + n), queue],
                )
        # Today's on the live queue, acknowledged after a minute.
        pg.execute(
            "INSERT INTO alerts (client_id, queue_id, rule_id, state, value, threshold,"
            " opened_at, acknowledged_at, last_value) SELECT q.client_id, q.id, r.id,"
            " 'acknowledged', 0.5, 0.8, now() - interval '5 minutes',"
            " now() - interval '4 minutes', 0.5 FROM queues q, alert_rules r"
            " WHERE q.code = 'ans-live' AND r.name = 'ans-sl'",
        )


def build(http: TestClient, database, settings, keys: dict[str, str]) -> None:
    """Post every record through the API, store the alerts and bring the stats up to date."""
    rng = random.Random(SEED)
    batches = [history(rng), recent(rng, datetime.now(UTC))]
    for batch in batches:
        for vendor, paths in batch.items():
            for path, records in paths.items():
                for start in range(0, len(records), 500):
                    chunk = records[start : start + 500]
                    response = http.post(
                        path,
                        json=chunk,
                        headers={"Authorization": f"Bearer {keys[vendor]}"},
                    )
                    body = response.json()
                    if response.status_code != 200 or body.get("accepted") != len(chunk):
                        raise SystemExit(f"{path}: {response.status_code} {body}")
    store_alerts(database)
    drain(database, settings)


METRICS = [
    {"client": "ans", "from": "2026-10-27", "to": "2026-11-10", "granularity": g}
    for g in ("hour", "day", "week", "month")
]
METRICS += [
    {"client": "ans", "from": "2026-10-27", "to": "2026-11-10", "granularity": "day", "by": by}
    for by in ("queue", "agent", "channel")
]
METRICS += [
    {"queue": q, "from": "2026-11-01", "to": "2026-11-04", "granularity": g}
    for q in QUEUES
    for g in ("interval", "hour", "day")
]
METRICS += [
    {"queue": "ans-q2", "from": "2026-10-30", "to": "2026-11-06", "granularity": "day", "by": by}
    for by in ("agent", "channel")
]
METRICS += [
    {"client": "ans", "from": "2026-11-02T01:00:00Z", "to": "2026-11-02T09:30:00Z"},
    {"client": "ans", "from": "2026-11-30", "to": "2026-12-02", "granularity": "day"},
]
SLA = [
    ("ans-k1", "2026-11"),
    ("ans-k1", "2026-10"),
    ("ans-k1", "2026-11-03"),
    ("ans-k1", "2026-W45"),
    ("ans-k2", "2026-11"),
]


def mask(value: Any) -> Any:
    """Replace clock-dependent fields by a marker, recursively."""
    if isinstance(value, dict):
        return {
            k: ("<clock>" if k in CLOCK_FIELDS and v is not None else mask(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


def mask_csv(text: str) -> list[str]:
    """Return a CSV export's lines, those stating when it was read masked."""
    return [
        "<clock>" if line.startswith(CLOCK_CSV_PREFIXES) else line for line in text.splitlines()
    ]


def answers(http: TestClient, keys: list[str]) -> dict[str, Any]:
    """Fetch every answer this recording covers, keyed by request (with the clients' keys)."""
    out: dict[str, Any] = {}

    def get(path: str, params: dict[str, str] | None = None) -> Any:
        key = keys[1] if path.endswith("/ans-live/live") else keys[0]
        response = http.get(path, params=params, headers={"Authorization": f"Bearer {key}"})
        if response.status_code != 200:
            raise SystemExit(f"{path} {params}: {response.status_code} {response.text[:300]}")
        return response

    for params in METRICS:
        name = "/v1/metrics?" + "&".join(f"{k}={v}" for k, v in params.items())
        out[name] = get("/v1/metrics", params).json()
        out[name + "&format=csv"] = get("/v1/metrics", params | {"format": "csv"}).text.splitlines()
    for queue in (*QUEUES, "ans-live"):
        out[f"/v1/queues/{queue}/live"] = mask(get(f"/v1/queues/{queue}/live").json())
    for contract, period in SLA:
        params = {"period": period, "contract": contract}
        name = f"/v1/sla/ans?period={period}&contract={contract}"
        out[name] = mask(get("/v1/sla/ans", params).json())
        out[name.replace("ans?", "ans.csv?")] = mask_csv(get("/v1/sla/ans.csv", params).text)
    return out


def record() -> dict[str, Any]:
    """Build the data in a fresh database and return the answers."""
    database, settings, _ = fresh_database("answers")
    spec = TenancyFile.model_validate(TENANCY)
    with database.session_scope() as session:
        apply_tenancy(session, spec)
        keys = {v.code: create_key(session, "vendor", vendor_code=v.code) for v in spec.vendors}
        client_keys = [create_key(session, "client", client_code=c.code) for c in spec.clients]
    with TestClient(create_app(settings, database)) as http:
        build(http, database, settings, keys)
        return answers(http, client_keys)


def differences(old: Any, new: Any, where: str, added: list[str]) -> list[str]:
    """Return where `new` differs from `old`; keys only `new` has inside a KPI row go to
    `added` when the rest of the row is equal."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new)):
            if key not in new:
                found.append(f"{where}.{key}: missing now")
            elif key not in old:
                added.append(f"{where}.{key}")
            else:
                found += differences(old[key], new[key], f"{where}.{key}", added)
        return found
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{where}: {len(old)} items, now {len(new)}"]
        found = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            found += differences(a, b, f"{where}[{i}]", added)
        return found
    if old != new:
        return [f"{where}: {old!r} → {new!r}"]
    return []


def csv_added(old: list[str], new: list[str]) -> list[str] | None:
    """Return the CSV columns `new` adds to `old` when that is the only change, else None."""
    if len(old) != len(new) or not old:
        return None
    old_head, new_head = old[0].split(","), new[0].split(",")
    extra = [c for c in new_head if c not in old_head]
    if [c for c in new_head if c in old_head] != old_head:
        return None
    keep = [new_head.index(c) for c in old_head]
    for a, b in zip(old[1:], new[1:], strict=True):
        cells = b.split(",")
        if a.split(",") != [cells[i] for i in keep]:
            return None
    return extra


def fingerprint_change(line: str) -> bool:
    """Tell whether a difference is only the KPI definitions' fingerprint (`kpi_definitions`,
    the exports' `KPI definitions version` line), which any added KPI changes by design."""
    where = line.split(": ", 1)[0]
    return where.endswith(".kpi_definitions") or "'KPI definitions version," in line


def compare(path: str, now: dict[str, Any], new_kpis: bool) -> int:
    """Print differences from the recording at `path`; return the exit status.

    With `new_kpis`, a changed KPI definitions fingerprint is reported apart, not counted.
    """
    with open(path) as f:
        before = json.load(f)
    added: list[str] = []
    found: list[str] = []
    for name in sorted(set(before) | set(now)):
        if name not in now or name not in before:
            found.append(f"{name}: only in {'the recording' if name in before else 'this run'}")
            continue
        old, new = before[name], now[name]
        if "format=csv" in name and old != new:
            extra = csv_added(old, new)
            if extra is not None:
                added += [f"{name}: column {c}" for c in extra]
                continue
        found += differences(old, new, name, added)
    columns = sorted({a.rsplit(".", 1)[-1].split(": column ")[-1] for a in added})
    print(f"{len(before)} answers recorded, {len(now)} now")
    print(f"added KPI keys ({len(added)} places): {', '.join(columns) or 'none'}")
    if new_kpis:
        fingerprints = [line for line in found if fingerprint_change(line)]
        found = [line for line in found if not fingerprint_change(line)]
        print(f"KPI definitions fingerprint changed in {len(fingerprints)} places (--new-kpis)")
    for line in found[:50]:
        print("DIFFERENT", line)
    print(f"{len(found)} differences")
    return 1 if found else 0


def main() -> None:
    """Record the answers, or compare them with a recording."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", help="write the answers here (canonical JSON)")
    parser.add_argument("--compare", help="compare with this recording; exit 1 if different")
    parser.add_argument(
        "--new-kpis",
        action="store_true",
        help="KPIs were added: report a changed definitions fingerprint apart",
    )
    args = parser.parse_args()
    now = json.loads(json.dumps(record(), sort_keys=True, default=str))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(now, f, sort_keys=True, indent=1, ensure_ascii=False)
    if args.compare:
        sys.exit(compare(args.compare, now, args.new_kpis))


if __name__ == "__main__":
    main()
