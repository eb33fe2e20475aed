"""Benchmark: ingest, wallboards and stats ride a PostgreSQL failover (issue 16).

Runs against the topology of `deploy/ha`, which must be up first (`deploy/ha/up`, as root; this
script kills its processes, so it runs as root too). Through HAProxy `:8100` a retrying client
pushes calls at a steady rate (`--batches-per-s` batches of `--batch` calls, each with its own
id, sent by `--senders` threads). A refused batch (`503`, or no answer) is sent again after
min(Retry-After, 0.2 s): the server asks for 5 s, but a failover's refusals last seconds and a
resent batch upserts, so a client that waited 5 s would measure its own wait. Then, in turn:

- `lost-server`: kill -9 of the leader's Patroni, postmaster and every PostgreSQL process of it
  (the server is gone; the sync standby takes the leader lock once it expires);
- `switchover`: `patronictl switchover` to the sync standby;
- `postmaster`: kill -9 of the leader's postmaster alone (its Patroni restarts it).

Each fault has its own queue and `--baseline` s of load before it (the same-run baseline), and
load on until ingest is back at its rate and a wallboard showed new data (at least `--after` s);
the load then stops, every batch is acknowledged, and the cluster is healed (`deploy/ha/up`
restarts a lost member, which rejoins as a standby) before the next fault. Per fault:
acknowledged vs stored records (lost; duplicated: more than one row per id, or more calls in
the stats than rows), answers by status (any `500` is a failure), time without a writable
primary (`pg_is_in_recovery()` on every member at 20 Hz), when ingest was first refused and for
how long (to the last refusal), time until the trailing second's acknowledged calls are back to
≥ 90 % of the baseline's (having fallen below once refused), and time until
`GET /v1/queues/{code}/live`, read every 0.1 s through `:8100` as a wallboard does, counts a
call stored after ingest was first refused (more calls than were acknowledged by then, plus a
batch in flight per sender; beside the same in the baseline, for a moment mid-baseline): a
backlog in the client, when it cannot keep its rate, does not count. At the end: the stats the
workers kept ≡ a full recompute. Calls are offered within the last hour of the client's day
(Asia/Shanghai).

    deploy/ha/up && .venv/bin/python bench/failover.py [--faults lost-server,switchover,postmaster]
"""

import argparse
import bisect
import os
import queue
import signal
import subprocess
import threading
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psycopg
from common import ROOT, Background, process_tree, tenants

from app.core.config import Settings
from app.core.db import Database, driver_connection, libpq_url
from app.kpi.aggregation import drain
from tests.kpi.helpers import client_id, full_recompute, stats_snapshot

HA = ROOT / "deploy" / "ha"
FAULTS = ("lost-server", "switchover", "postmaster")
TIMEZONE = "Asia/Shanghai"  # the bench client's (its "today" on the live view)
RETRY_CAP_S = 0.2  # a refused batch is resent after min(Retry-After, this)
BACK_SHARE = 0.9  # "back at its rate": the trailing second holds ≥ 90 % of the baseline's
POLL_S = 0.05  # the writable-primary watch: every member at 20 Hz


def say(message: str) -> None:
    """Print a progress line with the time (a run takes minutes)."""
    print(f"{datetime.now(UTC):%H:%M:%S}  {message}", flush=True)


class Topology:
    """The running `deploy/ha` cluster: its settings (from `common.sh`), members and faults."""

    def __init__(self) -> None:
        shell = (
            f"source {HA / 'common.sh'}; echo $DATA; echo ${{REST_PORTS[*]}};"
            " echo $HAPROXY_HTTP_PORT; echo ${API_PORTS[*]}"
        )
        lines = subprocess.run(
            ["bash", "-c", shell], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        self.data = Path(lines[0])
        self.rest_ports = [int(p) for p in lines[1].split()]
        self.api = f"http://127.0.0.1:{lines[2]}"
        self.api_ports = [int(p) for p in lines[3].split()]
        env = self.data / "callpulse.env"
        if not env.exists() or not self.cluster():
            raise SystemExit(
                f"the HA topology is not running (no {env} or no Patroni answers):"
                " run deploy/ha/up first (as root)"
            )
        pairs = (line.split("=", 1) for line in env.read_text().splitlines() if "=" in line)
        self.env = {name: value.strip("'") for name, value in pairs}
        self.password = (self.data / "secrets" / "callpulse").read_text().strip()
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def cluster(self) -> list[dict]:
        """Return Patroni's members (name, role, state, port, lag) from any member that answers."""
        for port in self.rest_ports:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/cluster", timeout=1).json()["members"]
            except (httpx.HTTPError, ValueError, KeyError):
                continue
        return []

    def member(self, role: str) -> dict:
        """Return the member in `role` (leader, sync_standby)."""
        members = [m for m in self.cluster() if m["role"] == role]
        if len(members) != 1:
            raise SystemExit(f"expected one {role}, found {len(members)}")
        return members[0]

    def healthy(self) -> bool:
        """A leader, a sync standby, every member running on the leader's timeline, both
        API replicas answering /health with a database, directly and through HAProxy."""
        members = self.cluster()
        roles = Counter(m["role"] for m in members)
        if len(members) != 3 or roles["leader"] != 1 or roles["sync_standby"] != 1:
            return False
        if any(
            m["state"] not in ("running", "streaming") or m.get("lag") == "unknown" for m in members
        ):
            return False
        if len({m.get("timeline") for m in members}) != 1:
            return False
        for api in [*(f"http://127.0.0.1:{port}" for port in self.api_ports), self.api]:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code != 200:
                    return False
            except httpx.HTTPError:
                return False
        return True

    def wait_healthy(self, timeout_s: float = 180) -> None:
        """Wait until `healthy`; show `deploy/ha/status` and stop if it never is."""
        deadline = time.monotonic() + timeout_s
        while not self.healthy():
            if time.monotonic() > deadline:
                subprocess.run([HA / "status"], check=False)
                raise SystemExit(f"the cluster did not heal in {timeout_s:.0f} s")
            time.sleep(0.5)

    def postmaster(self, name: str) -> int:
        """Return the pid of a member's postmaster."""
        return int((self.data / "pg" / name / "postmaster.pid").read_text().split()[0])

    def lose_server(self, name: str) -> None:
        """kill -9 the member's Patroni, its postmaster and every process under it at once."""
        patroni = int((self.data / "run" / f"patroni-{name}.pid").read_text())
        for pid in [patroni, *process_tree(self.postmaster(name))]:
            with suppress(ProcessLookupError):  # a backend that ended meanwhile
                os.kill(pid, signal.SIGKILL)

    def kill_postmaster(self, name: str) -> None:
        """kill -9 the member's postmaster alone."""
        os.kill(self.postmaster(name), signal.SIGKILL)

    def switchover(self, leader: str, candidate: str) -> subprocess.Popen:
        """Start a planned switchover with patronictl (it ends once the candidate leads)."""
        return subprocess.Popen(
            [
                *self.as_pg,
                "patronictl",
                "-c",
                str(self.data / "patroni" / f"{leader}.yml"),
                "switchover",
                "--leader",
                leader,
                "--candidate",
                candidate,
                "--force",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def bring_back(self) -> None:
        """Re-run `deploy/ha/up`: it starts what is not running (a lost member)."""
        with (self.data / "log" / "bench-up.log").open("a") as log:
            subprocess.run([HA / "up"], stdout=log, stderr=subprocess.STDOUT, check=True)

    def member_dsn(self, port: int) -> str:
        """Return a libpq conninfo for one member, as the app's role."""
        return (
            f"host=127.0.0.1 port={port} dbname=callpulse user=callpulse"
            f" password={self.password} connect_timeout=1"
        )


class PrimaryWatch(Background):
    """A thread asking every member `pg_is_in_recovery()` at 20 Hz; keeps (time, writable)."""

    def __init__(self, dsns: list[str]) -> None:
        super().__init__()
        self.dsns = dsns
        self.samples: list[tuple[float, bool]] = []

    def _run(self) -> None:
        connections: dict[str, psycopg.Connection | None] = dict.fromkeys(self.dsns)
        while not self._stop.is_set():
            writable = False
            for dsn, pg in connections.items():
                try:
                    if pg is None:
                        pg = connections[dsn] = psycopg.connect(dsn, autocommit=True)
                    in_recovery = pg.execute("SELECT pg_is_in_recovery()").fetchone()[0]  # type: ignore[index]
                    writable = writable or not in_recovery
                except psycopg.Error:
                    if pg is not None:
                        pg.close()
                    connections[dsn] = None
            self.samples.append((time.monotonic(), writable))
            self._stop.wait(POLL_S)
        for pg in connections.values():
            if pg is not None:
                pg.close()

    def longest_gap(self, since: float) -> float:
        """Seconds of the longest run of samples after `since` with no writable member."""
        longest, last_writable, last_at = 0.0, None, since
        for at, writable in self.samples:
            if at < since:
                continue
            if writable:
                if last_writable is not None:
                    longest = max(longest, at - last_writable)
                last_writable = at
            last_at = at
        return max(longest, last_at - (last_writable or since))


@dataclass
class Batch:
    """Calls generated together; sent until acknowledged."""

    made_at: float
    calls: list[dict]


@dataclass
class Ingest:
    """A retrying client: a clock thread makes a batch every 1/rate s; sender threads post
    each until it is acknowledged (`200` with every call accepted or a duplicate)."""

    api: str
    key: str
    queue: str
    prefix: str
    batches_per_s: float
    batch: int
    senders: int
    made: int = 0  # calls generated so far
    acks: list[tuple[float, int]] = field(default_factory=list)  # (time, calls)
    acked: set[str] = field(default_factory=set)
    statuses: Counter = field(default_factory=Counter)  # every answer, "no answer" included
    # (a 503 without Retry-After is counted apart)
    refusals: list[float] = field(default_factory=list)  # when a non-200 answer came
    resent_duplicates: int = 0  # calls a resent batch found stored (a lost answer)
    ack_waits: list[float] = field(default_factory=list)  # made → acknowledged, per batch
    failure: str | None = None  # a sender's reason to stop (the bench's own bug)

    def __post_init__(self) -> None:
        self._pending: queue.Queue[Batch | None] = queue.Queue()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._clock, daemon=True)] + [
            threading.Thread(target=self._send, daemon=True) for _ in range(self.senders)
        ]

    def start(self) -> None:
        """Start the clock and the senders."""
        for thread in self._threads:
            thread.start()

    def stop(self, timeout_s: float = 180) -> None:
        """Stop making batches and wait until every batch made was acknowledged."""
        self._stop.set()
        self._threads[0].join()
        for _ in range(self.senders):
            self._pending.put(None)
        deadline = time.monotonic() + timeout_s
        for thread in self._threads[1:]:
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in self._threads):
            raise SystemExit(f"batches still unacknowledged after {timeout_s:.0f} s")
        self.check()

    def check(self) -> None:
        """Stop the bench if a sender met what it cannot retry."""
        if self.failure:
            raise SystemExit(self.failure)

    def _clock(self) -> None:
        tick = time.monotonic()
        while not self._stop.is_set():
            now = datetime.now(UTC)
            calls = [self._call(now) for _ in range(self.batch)]
            self._pending.put(Batch(time.monotonic(), calls))
            tick += 1 / self.batches_per_s
            time.sleep(max(0.0, tick - time.monotonic()))

    def _call(self, now: datetime) -> dict:
        """The next call: offered up to an hour ago (never before the client's midnight),
        answered by one of 8 agents, or every 5th abandoned, so that the stats have rows of
        several intervals, agents and outcomes to compare with a recompute."""
        self.made += 1
        n = self.made
        local = now.astimezone(ZoneInfo(TIMEZONE))
        today_s = (local - local.replace(hour=0, minute=0, second=0, microsecond=0)).seconds
        offered = now - timedelta(seconds=30 + (n * 7) % max(1, min(3600, today_s - 60)))
        call = {"call_id": f"{self.prefix}-{n}", "queue": self.queue}
        call["offered_at"] = offered.isoformat()
        if n % 5:
            call["answered_at"] = (offered + timedelta(seconds=n % 20)).isoformat()
            call["agent"] = f"fo-a{n % 8}"
        call["ended_at"] = (offered + timedelta(seconds=25)).isoformat()
        return call

    def _send(self) -> None:
        http = httpx.Client(
            base_url=self.api, headers={"Authorization": f"Bearer {self.key}"}, timeout=30
        )
        while (batch := self._pending.get()) is not None:
            while True:
                try:
                    response = http.post("/v1/calls", json=batch.calls)
                    status: int | str = response.status_code
                    if status == 503 and "retry-after" not in response.headers:
                        status = "503 without Retry-After"
                except httpx.TransportError as exc:
                    response, status = None, f"no answer ({type(exc).__name__})"
                with self._lock:
                    self.statuses[status] += 1
                if response is not None and response.status_code == 200:
                    body = response.json()
                    if body["rejected"] or body["accepted"] + body["duplicates"] != self.batch:
                        self.failure = f"a batch was not stored whole: {body}"
                        return
                    at = time.monotonic()
                    with self._lock:
                        self.acks.append((at, len(batch.calls)))
                        self.acked.update(call["call_id"] for call in batch.calls)
                        self.resent_duplicates += body["duplicates"]
                        self.ack_waits.append(at - batch.made_at)
                    break
                with self._lock:
                    self.refusals.append(time.monotonic())
                asked = response.headers.get("retry-after") if response is not None else None
                time.sleep(min(float(asked or RETRY_CAP_S), RETRY_CAP_S))
        http.close()

    def stored_by(self, at: float) -> int:
        """The most calls that can have been stored by `at`: those acknowledged by then, and
        a batch in flight per sender (stored, its answer not yet back)."""
        return sum(n for when, n in list(self.acks) if when <= at) + self.senders * self.batch

    def outage_began(self, fault_at: float) -> float:
        """The first refusal after the fault (the fault itself if none came)."""
        return next((at for at in sorted(self.refusals) if at >= fault_at), fault_at)

    def rate(self, lo: float, hi: float) -> float:
        """Calls acknowledged per second in [lo, hi)."""
        return sum(n for at, n in self.acks if lo <= at < hi) / (hi - lo)

    def back_at_rate(self, fault_at: float, baseline: float, until: float) -> float | None:
        """Seconds from the fault until the trailing second holds ≥ 90 % of the baseline's
        calls again, once it fell below after ingest was first refused (0 if it never fell:
        a dip of the load before the outage began is no outage); None if not yet."""
        with self._lock:
            acks = sorted(self.acks)
        times = [at for at, _ in acks]
        totals = [0]
        for _, n in acks:
            totals.append(totals[-1] + n)

        def trailing(end: float) -> int:
            return (
                totals[bisect.bisect_left(times, end)] - totals[bisect.bisect_left(times, end - 1)]
            )

        fell, end = False, self.outage_began(fault_at)
        while end <= until:
            if trailing(end) < BACK_SHARE * baseline:
                fell = True
            elif fell:
                return end - fault_at
            end += 0.05
        return None if fell else 0.0


def live_offered(http: httpx.Client, queue_code: str) -> int | None:
    """Today's offered calls on a queue's live view, None while it does not answer."""
    try:
        response = http.get(f"/v1/queues/{queue_code}/live", timeout=10)
    except httpx.TransportError:
        return None
    return response.json()["today"]["offered"] if response.status_code == 200 else None


class Wallboard(Background):
    """A thread reading a queue's live view (today's offered calls) every 0.1 s, as a
    wallboard does; keeps (time, offered)."""

    def __init__(self, http: httpx.Client, queue_code: str) -> None:
        super().__init__()
        self.http, self.queue_code = http, queue_code
        self.samples: list[tuple[float, int]] = []

    def _run(self) -> None:
        while not self._stop.is_set():
            offered = live_offered(self.http, self.queue_code)
            if offered is not None:
                self.samples.append((time.monotonic(), offered))
            self._stop.wait(0.1)

    def shows(self, more_than: int, since: float) -> float | None:
        """When, after `since`, the view first counted more than `more_than` calls."""
        return next((at for at, n in list(self.samples) if at >= since and n > more_than), None)


@dataclass
class Figures:
    """What one fault did, in seconds from the fault and in calls."""

    fault: str
    leader: str
    baseline_rate: float
    acked: int
    stored: int
    lost: int
    duplicated: int
    counted: int
    statuses: Counter
    resent_stored: int
    no_primary_s: float
    refused_from_s: float | None
    refused_s: float
    back_s: float | None
    wallboard_s: float | None
    wallboard_baseline_s: float | None
    longest_ack_s: float
    heal_s: float


def run_fault(
    topology: Topology, database: Database, keys: dict, fault: str, run: str, args
) -> Figures:
    """Load, baseline, fault, recovery, accounting; then heal the cluster."""
    queue_code = f"fo-{fault}"
    reader = httpx.Client(
        base_url=topology.api, headers={"Authorization": f"Bearer {keys['client_key']}"}
    )
    before = live_offered(reader, queue_code) or 0
    load = Ingest(
        topology.api,
        keys["vendor_key"],
        queue_code,
        f"{run}-{fault}",
        args.batches_per_s,
        args.batch,
        args.senders,
    )
    leader = topology.member("leader")["name"]
    candidate = topology.member("sync_standby")["name"]
    dsns = [topology.member_dsn(m["port"]) for m in topology.cluster()]
    with PrimaryWatch(dsns) as watch, Wallboard(reader, queue_code) as wall:
        load.start()
        began = time.monotonic()
        time.sleep(args.baseline)
        load.check()
        probe = began + args.baseline / 2  # the baseline's own "new data on the wallboard"
        seen = wall.shows(before + load.stored_by(probe), probe)
        wallboard_baseline = seen - probe if seen else None
        fault_at = time.monotonic()
        baseline = load.rate(began + 1, fault_at)
        say(f"{fault}: baseline {baseline:.0f} calls/s acknowledged; leader {leader}")
        if fault == "lost-server":
            topology.lose_server(leader)
        elif fault == "postmaster":
            topology.kill_postmaster(leader)
        else:
            switchover = topology.switchover(leader, candidate)

        def wallboard() -> float | None:
            """When the view counted a call stored after ingest was refused (or the fault)."""
            outage = load.outage_began(fault_at)
            return wall.shows(before + load.stored_by(outage), outage)

        while time.monotonic() < fault_at + args.timeout and (
            time.monotonic() < fault_at + args.after
            or load.back_at_rate(fault_at, baseline, time.monotonic()) is None
            or wallboard() is None
        ):
            load.check()
            time.sleep(0.5)
        back = load.back_at_rate(fault_at, baseline, time.monotonic())
        seen = wallboard()
        load.stop()
        if fault == "switchover" and switchover.wait() != 0:
            raise SystemExit(f"patronictl switchover failed: {switchover.stdout.read()}")  # type: ignore[union-attr]
        no_primary = watch.longest_gap(fault_at - 1)
    reader.close()
    refusals = [at for at in load.refusals if at >= fault_at]
    refused = refusals[-1] - refusals[0] if refusals else 0.0
    say(f"{fault}: every batch acknowledged; counting, then healing the cluster")
    stored, duplicated, counted = count_stored(database, queue_code, load.prefix)
    healing = time.monotonic()
    if fault == "lost-server":
        topology.bring_back()
    topology.wait_healthy()
    return Figures(
        fault=fault,
        leader=f"{leader} → {topology.member('leader')['name']}",
        baseline_rate=baseline,
        acked=len(load.acked),
        stored=len(stored),
        lost=len(load.acked - stored),
        duplicated=duplicated,
        counted=counted,
        statuses=load.statuses,
        resent_stored=load.resent_duplicates,
        no_primary_s=no_primary,
        refused_from_s=refusals[0] - fault_at if refusals else None,
        refused_s=refused,
        back_s=back,
        wallboard_s=seen - fault_at if seen else None,
        wallboard_baseline_s=wallboard_baseline,
        longest_ack_s=max(load.ack_waits),
        heal_s=time.monotonic() - healing,
    )


def count_stored(database: Database, queue_code: str, prefix: str) -> tuple[set[str], int, int]:
    """Return the stored ids of this load, its rows beyond one per id, and how many more calls
    the stats count on its queue (answered + abandoned) than the queue has rows, once the
    aggregation caught up (the queue keeps the calls of earlier runs too)."""

    def query(sql: str, *params: str) -> list[tuple]:
        with database.session_scope() as session:
            return driver_connection(session).execute(sql, params).fetchall()

    rows = query(
        "SELECT c.call_id FROM calls c JOIN clients k ON k.id = c.client_id"
        " WHERE k.code = 'bench' AND c.call_id LIKE %s",
        f"{prefix}-%",
    )
    stored = {call_id for (call_id,) in rows}
    on_queue = "JOIN queues q ON q.id = x.queue_id JOIN clients k ON k.id = x.client_id"
    on_queue += " WHERE k.code = 'bench' AND q.code = %s"
    deadline = time.monotonic() + 60
    while True:
        [(calls,)] = query(f"SELECT count(*) FROM calls x {on_queue}", queue_code)
        [(counted,)] = query(
            f"SELECT coalesce(sum(x.answered + x.abandoned), 0) FROM call_day_stats x {on_queue}",
            queue_code,
        )
        if counted >= calls or time.monotonic() > deadline:
            return stored, len(rows) - len(stored), counted - calls
        time.sleep(0.5)


def stats_equal_recompute(database: Database, settings: Settings) -> tuple[bool, int]:
    """Bring the stats up to date, then compare them with a full recompute of the client."""
    drain(database, settings, wait=True)
    with psycopg.connect(libpq_url(database.url), autocommit=True) as pg:
        client = client_id(pg, "bench")
        kept = stats_snapshot(pg, client)
        recomputed = full_recompute(pg, database, settings, client)
    return kept == recomputed, sum(len(rows) for rows in kept.values())


def seconds(value: float | None) -> str:
    """A duration for the table ('—' when it never happened)."""
    return "—" if value is None else f"{value:.1f} s"


def report(figures: list[Figures], exact: tuple[bool, int], args) -> None:
    """Print one row per fault, then the details and the targets."""
    print()
    print(
        f"load: {args.batches_per_s:g} batches/s of {args.batch} calls through HAProxy :8100,"
        f" {args.senders} senders, a refused batch resent after min(Retry-After,"
        f" {RETRY_CAP_S} s)"
    )
    rows = [
        (
            "fault",
            "leader",
            "acked",
            "stored",
            "lost",
            "dup",
            "500",
            "503",
            "no primary",
            "503 from",
            "503 for",
            "rate back",
            "wallboard",
            "(baseline)",
        )
    ]
    for f in figures:
        rows.append(
            (
                f.fault,
                f.leader,
                f"{f.acked:,}",
                f"{f.stored:,}",
                str(f.lost),
                str(f.duplicated),
                str(f.statuses.get(500, 0)),
                str(f.statuses.get(503, 0)),
                seconds(f.no_primary_s),
                seconds(f.refused_from_s),
                seconds(f.refused_s),
                seconds(f.back_s),
                seconds(f.wallboard_s),
                seconds(f.wallboard_baseline_s),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print()
    for f in figures:
        other = {s: n for s, n in f.statuses.items() if s not in (200, 500, 503)}
        print(
            f"{f.fault}: baseline {f.baseline_rate:.0f} calls/s acknowledged; other answers"
            f" {other or 'none'}; {f.resent_stored} calls found stored when resent (an answer"
            f" lost); stats count {f.counted:+d} calls beyond the rows; longest wait for an"
            f" acknowledgement {f.longest_ack_s:.1f} s; cluster healed in {f.heal_s:.0f} s"
        )
    met = exact[0] and all(
        f.lost == 0
        and f.duplicated == 0
        and f.counted == 0
        and set(f.statuses) <= {200, 503}
        and f.back_s is not None
        and f.back_s <= 30
        and f.wallboard_s is not None
        and f.wallboard_s <= 30
        for f in figures
    )
    print(
        f"stats ≡ full recompute: {'yes' if exact[0] else 'NO'} ({exact[1]:,} stats rows)."
        " Targets (0 lost, 0 duplicated, every refusal a 503 with Retry-After, ingest and"
        " wallboard back within 30 s):"
        f" {'met' if met else 'NOT met'}"
    )


def main() -> None:
    """Check the topology, run the faults in turn, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--batches-per-s", type=float, default=50)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--senders", type=int, default=6)
    parser.add_argument("--baseline", type=float, default=10, help="seconds of load before a fault")
    parser.add_argument("--after", type=float, default=15, help="least seconds of load after it")
    parser.add_argument("--timeout", type=float, default=90, help="most seconds of load after it")
    args = parser.parse_args()
    faults = args.faults.split(",")
    if unknown := set(faults) - set(FAULTS):
        raise SystemExit(f"unknown faults {sorted(unknown)}; choose from {', '.join(FAULTS)}")
    topology = Topology()
    say("waiting for a healthy cluster")
    topology.wait_healthy()
    url = topology.env["DATABASE_URL"]
    settings = Settings(database_url=url, scheduler=False)
    database = Database(url, pool_size=2)
    keys = tenants(database, [f"fo-{fault}" for fault in FAULTS], TIMEZONE)
    run = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    try:
        figures = [run_fault(topology, database, keys, fault, run, args) for fault in faults]
        say("stats: bringing them up to date, then a full recompute")
        exact = stats_equal_recompute(database, settings)
    finally:
        database.dispose()
    report(figures, exact, args)


if __name__ == "__main__":
    main()
