"""PostgreSQL stopped and restarted under a retrying client: only 503 + Retry-After, every
acknowledged record stored exactly once."""

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn

from app.core.config import Settings
from app.core.db import Database, create_database, libpq_url
from app.main import create_app
from app.migrate import upgrade
from tests.factories import Tenant, cdr, make_tenant
from tests.faults import OwnPostgres
from tests.waiting import wait_for

BATCH = 200


@dataclass
class Pusher:
    """A vendor's feed that retries each batch until it is acknowledged."""

    base_url: str
    tenant: Tenant
    statuses: Counter[int] = field(default_factory=Counter)
    missing_retry_after: int = 0
    acknowledged: set[str] = field(default_factory=set)
    stop: threading.Event = field(default_factory=threading.Event)
    batches: int = 0

    def run(self) -> None:
        """Push numbered batches of calls until told to stop."""
        start = datetime.now(UTC) - timedelta(hours=1)
        with httpx.Client(base_url=self.base_url, headers=self.tenant.auth(), timeout=30) as http:
            while not self.stop.is_set():
                ids = [f"f{self.batches}-{i}" for i in range(BATCH)]
                offered = (start + timedelta(seconds=self.batches)).isoformat()
                body = [cdr(call_id, self.tenant.queue, offered, wait=5) for call_id in ids]
                self._push_until_acknowledged(http, body, ids)
                self.batches += 1

    def _push_until_acknowledged(self, http: httpx.Client, body: list, ids: list[str]) -> None:
        while True:
            try:
                response = http.post("/v1/calls", json=body)
            except httpx.TransportError:
                time.sleep(0.2)  # the answer was lost: the batch may or may not be stored
                continue
            self.statuses[response.status_code] += 1
            if response.status_code == 200:
                answer = response.json()
                assert answer["rejected"] == [], answer
                self.acknowledged.update(ids)
                return
            if response.status_code == 503 and "retry-after" not in response.headers:
                self.missing_retry_after += 1
            time.sleep(0.2)


@pytest.fixture
def own_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnPostgres]:
    """A PostgreSQL cluster this test may crash (never the suite's or the machine's)."""
    root = Path(tmp_path_factory.mktemp("fault"))
    server = OwnPostgres(root)
    server.init()
    server.start()
    yield server
    server.stop()


def _serve(settings: Settings, database: Database) -> tuple[uvicorn.Server, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, database), port=port, log_level="critical")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def test_postgres_restart_under_load_loses_and_doubles_nothing(own_postgres):
    url = create_database(own_postgres.url, "callpulse_fault")
    settings = Settings(database_url=url, rate_limit_per_s=0, scheduler=False, db_retry_after_s=1)
    database = Database.from_settings(settings)
    upgrade(database)
    tenant = make_tenant(database)
    server, base_url = _serve(settings, database)
    pusher = Pusher(base_url, tenant)
    thread = threading.Thread(target=pusher.run)
    thread.start()
    try:
        wait_for(lambda: pusher.batches >= 5, "five batches", 60)
        for stop in (own_postgres.crash, own_postgres.stop):
            unavailable = pusher.statuses[503]
            stop()
            wait_for(lambda: pusher.statuses[503] >= unavailable + 3, "503s", 60)  # noqa: B023
            own_postgres.start()
            batches_at_restart = pusher.batches
            wait_for(lambda: pusher.batches >= batches_at_restart + 5, "recovery", 60)  # noqa: B023
    finally:
        pusher.stop.set()
        thread.join(60)
        server.should_exit = True
    assert set(pusher.statuses) <= {200, 503}, pusher.statuses
    assert pusher.statuses[503] >= 6 and pusher.missing_retry_after == 0
    with psycopg.connect(libpq_url(url)) as conn:
        stored = Counter(
            row[0]
            for row in conn.execute(
                "SELECT c.call_id FROM calls c JOIN queues q ON q.id = c.queue_id"
                " WHERE q.code = %s",
                (tenant.queue,),
            )
        )
    assert max(stored.values()) == 1
    assert pusher.acknowledged <= stored.keys()
    database.dispose()
