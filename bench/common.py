"""Shared set-up for benchmarks: a fresh database with tenants, on DATABASE_URL or embedded."""

import atexit
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Self

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.access.keys import create_key
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.config import Settings
from app.core.db import Database, create_database, drop_database
from app.core.embedded import start_embedded_postgres
from app.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]


def fresh_database(prefix: str) -> tuple[Database, Settings, str]:
    """Create and migrate a new database; return it, its settings and where it runs."""
    where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded PostgreSQL"
    server = os.environ.get("DATABASE_URL") or start_embedded_postgres(
        Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    )
    url = create_database(server, prefix)
    if os.environ.get("DATABASE_URL"):  # the user's server: leave it as it was
        atexit.register(drop_database, url)
    settings = Settings(database_url=url, rate_limit_per_s=0, scheduler=False)
    database = Database(url, pool_size=4)
    upgrade(database)
    return database, settings, where


def tenants(database: Database, queues: list[str], timezone: str = "Asia/Shanghai") -> dict:
    """Create one client, one vendor serving `queues`, and keys; return codes and keys."""
    spec = TenancyFile.model_validate(
        {
            "clients": [{"code": "bench", "name": "Bench client", "timezone": timezone}],
            "vendors": [{"code": "bench-v", "name": "Bench vendor"}],
            "queues": [{"code": q, "client": "bench", "vendors": ["bench-v"]} for q in queues],
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
        vendor_key = create_key(session, "vendor", vendor_code="bench-v")
        client_key = create_key(session, "client", client_code="bench")
    return {"vendor_key": vendor_key, "client_key": client_key}


def serve(
    url: str, port: int, *options: str, env: dict[str, str] | None = None, log: Path | None = None
) -> subprocess.Popen:
    """Start `callpulse serve` on the database at `url` and wait until /health answers.

    Its log goes to `log` when given (a run that logs much must not fill an unread pipe).
    """
    env = {**os.environ, "DATABASE_URL": url, "CALLPULSE_RATE_LIMIT_PER_S": "0", **(env or {})}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from app.cli import main; main()",
            "serve",
            "--port",
            str(port),
            *options,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w") if log else subprocess.PIPE,
    )
    for _ in range(120):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    stderr = (log.read_text() if log else process.stderr.read().decode())[-2000:]  # type: ignore[union-attr]
    raise SystemExit(f"callpulse serve did not start: {stderr}")


def cpu_s(pid: int) -> float:
    """Return the CPU seconds (user + system) a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """Return `pid` and its descendants (a server's workers, a postmaster's backends)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo += parents.get(tree[-1], [])
    return tree


def p95(values: list[float]) -> float:
    """Return the 95th percentile (the only value when there is one)."""
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def percentile(values: list[float], pct: float) -> float:
    """Return the `pct` percentile (nearest rank) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


class Background:
    """A daemon thread running `_run` while in a `with` block; `_stop` is set at its end."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        raise NotImplementedError


class SteadyLoad(Background):
    """A thread sending call events (offered, answered, ended) at `rate` events per second
    to `queues`, in ten batches a second, until stopped; `sent` counts what was accepted."""

    def __init__(self, base: str, key: str, queues: list[str], rate: float) -> None:
        super().__init__()
        self.base, self.key, self.queues, self.rate = base, key, queues, rate
        self.sent = 0

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        http = httpx.Client(base_url=self.base, headers=headers, timeout=30)
        per_tick, n, tick = math.ceil(self.rate / 30), 0, time.monotonic()
        while not self._stop.is_set():
            now = datetime.now(UTC)
            events = []
            for _ in range(per_tick):
                n += 1
                queue, offered = self.queues[n % len(self.queues)], now - timedelta(seconds=40)
                for event, at in (
                    ("offered", offered),
                    ("answered", offered + timedelta(seconds=8)),
                    ("ended", now),
                ):
                    call = {"call_id": f"load-{n}", "queue": queue}
                    events.append({**call, "event": event, "at": at.isoformat()})
            response = http.post("/v1/call-events", json=events)
            response.raise_for_status()
            self.sent += len(events)
            tick += 0.1
            time.sleep(max(0.0, tick - time.monotonic()))
