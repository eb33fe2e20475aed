"""The backup procedure of deploy/backup, run as the README tells an operator to run it.

A cluster of the test's own archives its WAL with `archive-wal`; CallPulse's schema, a
contract and a month of calls go in; `basebackup` copies it; the month is then closed (after
the backup, so only the archive holds the close) and its SLA report read; at T an operator's
mistake deletes the month's calls and the stats are rebuilt from what is left. `restore`
brings the cluster back to T on another port, and the report read there must be the same
bytes. The JSON and the CSV are compared: they carry no time of their own (a closed report's
`as_of` is the close's), while XLSX and PDF files stamp the time they were made. A backup
whose files changed after it was taken is refused before anything is copied.

Runs Debian's PostgreSQL 15 (the HA topology's); skipped where it is not installed.
"""

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.contracts.periods import parse_period
from app.core.config import Settings
from app.core.db import Database, create_database, libpq_url
from app.kpi.aggregation import rebuild
from app.main import create_app
from app.migrate import upgrade
from tests.closing.helpers import close
from tests.contracts.helpers import DESIGN_CONTRACT, apply, contract_entry, ingest, sla
from tests.factories import Tenant, cdr, make_tenant
from tests.faults import OwnPostgres
from tests.waiting import wait_for

PG15 = Path("/usr/lib/postgresql/15/bin")
SCRIPTS = Path(__file__).resolve().parents[2] / "deploy" / "backup"
ZONE = ZoneInfo("Asia/Shanghai")  # make_tenant's client

pytestmark = pytest.mark.skipif(
    not (PG15 / "initdb").exists() or not (PG15 / "pg_basebackup").exists(),
    reason=f"PostgreSQL 15 server binaries are not installed in {PG15}"
    " (Debian: apt-get install postgresql-15)",
)


@pytest.fixture
def root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A directory for the clusters, the backups and the archive, removed afterwards."""
    path = tmp_path_factory.mktemp("pitr")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def production(root: Path) -> Iterator[OwnPostgres]:
    """The cluster that is backed up: archive_mode on, every WAL file through archive-wal."""
    server = OwnPostgres(root / "production", PG15)
    server.root.mkdir()
    server.reach(SCRIPTS / "archive-wal")
    archive = root / "production" / "archive"
    command = f'"{SCRIPTS}/archive-wal" %p %f "{archive}"'
    server.init("archive_mode = on", f"archive_command = '{command}'")
    server.own_dir("archive")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def restored(root: Path) -> Iterator[OwnPostgres]:
    """The cluster `restore` will start (on a free port); stopped afterwards if it runs."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = OwnPostgres(root / "restored", PG15, port)
    yield server
    server.stop()


def run(script: str, *args: str, server: OwnPostgres) -> str:
    """Run a deploy/backup script; return what it printed, or fail with what it said."""
    done = attempt(script, *args, server=server)
    assert done.returncode == 0, f"{script} failed:\n{done.stderr}"
    return done.stdout.strip()


def attempt(script: str, *args: str, server: OwnPostgres) -> subprocess.CompletedProcess[str]:
    """Run a deploy/backup script with Debian's PostgreSQL 15, the server as its test user."""
    env = os.environ | {"PG_BIN": str(PG15)}
    if server.user:
        env["PG_SERVER_USER"] = server.user
    return subprocess.run(
        [str(SCRIPTS / script), *args], capture_output=True, text=True, env=env, timeout=120
    )


def month_of_calls(http: TestClient, database: Database, settings: Settings, tenant: Tenant) -> str:
    """Give the tenant DESIGN §10's contract and ten calls last month (ended); return its label."""
    first_of_this = datetime.now(ZONE).date().replace(day=1)
    first_day = (first_of_this - timedelta(days=1)).replace(day=1)
    entry = contract_entry(
        tenant,
        **DESIGN_CONTRACT,
        valid_from=first_day.isoformat(),
        valid_to=(first_day + timedelta(days=400)).isoformat(),
    )
    apply(database, entry)
    at = f"{first_day.replace(day=10)}T09:{{:02d}}:00+08:00"
    calls = [cdr(f"m{i}", tenant.queue, at.format(i), wait=10 + 5 * i) for i in range(9)]
    calls.append(cdr("m9", tenant.queue, at.format(9), gave_up_after=30))
    ingest(http, database, settings, tenant, "/v1/calls", calls)
    return first_day.strftime("%Y-%m")


def go_on_and_err(
    http: TestClient, database: Database, settings: Settings, tenant: Tenant, month: str
) -> None:
    """After the point: this month's calls go on, and an operator deletes last month's calls
    (then rebuilds the stats from what is left)."""
    now = datetime.now(UTC) - timedelta(minutes=1)
    later = [cdr(f"n{i}", tenant.queue, now.isoformat(), wait=5) for i in range(3)]
    ingest(http, database, settings, tenant, "/v1/calls", later)
    period = parse_period(month, ZONE)
    with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as pg:
        client_id = pg.execute("SELECT id FROM clients WHERE code = %s", [tenant.client])
        pg.execute(
            "DELETE FROM calls WHERE client_id = %s AND offered_at >= %s AND offered_at < %s",
            [client_id.fetchone()[0], period.start, period.end],
        )
    rebuild(database, settings, period.start, period.end)


def rendered(http: TestClient, tenant: Tenant, month: str) -> dict[str, bytes]:
    """Return the month's SLA report as the client downloads it, JSON and CSV, as bytes."""
    answers = {
        "json": sla(http, tenant.client, tenant.client_key, period=month),
        "csv": sla(http, tenant.client, tenant.client_key, ".csv", period=month),
    }
    for response in answers.values():
        assert response.status_code == 200, response.text
    return {fmt: response.content for fmt, response in answers.items()}


def test_a_restore_to_a_point_in_time_gives_back_a_closed_months_report_byte_for_byte(
    root: Path, production: OwnPostgres, restored: OwnPostgres
):
    url = create_database(production.url, "callpulse_pitr")
    settings = Settings(database_url=url, rate_limit_per_s=0, scheduler=False)
    database = Database.from_settings(settings)
    upgrade(database)
    tenant = make_tenant(database)
    with TestClient(create_app(settings, database)) as http:
        month = month_of_calls(http, database, settings, tenant)
        backup = run("basebackup", production.url, str(root / "backups"), server=production)
        close(http, tenant.client, tenant.client_key, period=month)  # only the archive has it
        assert close(http, tenant.client, tenant.key, period=month)["closed"] is not None
        before = rendered(http, tenant, month)
        assert json.loads(before["json"])["restatement"] == []  # closed, and the data agrees
        with psycopg.connect(libpq_url(url), autocommit=True) as pg:
            point = pg.execute("SELECT clock_timestamp()").fetchone()[0]
            go_on_and_err(http, database, settings, tenant, month)
            damaged = rendered(http, tenant, month)  # the live figures restate the month
            assert damaged["json"] != before["json"] and damaged["csv"] != before["csv"]
            finished = pg.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
    database.dispose()
    archive = root / "production" / "archive"
    wait_for((archive / finished).exists, f"{finished} in the archive")

    run(
        "restore",
        *("--to", point.isoformat(), "--port", str(restored.port)),
        *("--socket-dir", str(restored.socket_dir), backup, str(archive), str(restored.pgdata)),
        server=restored,
    )
    restored_url = make_url(url).set(
        query={"host": str(restored.socket_dir), "port": str(restored.port)}
    )
    settings = Settings(
        database_url=restored_url.render_as_string(hide_password=False),
        rate_limit_per_s=0,
        scheduler=False,
    )
    database = Database.from_settings(settings)
    with TestClient(create_app(settings, database)) as http:
        assert rendered(http, tenant, month) == before
    database.dispose()
    with psycopg.connect(libpq_url(settings.database_url)) as pg:
        call_ids = pg.execute("SELECT call_id FROM calls ORDER BY call_id").fetchall()
    assert [c for (c,) in call_ids] == [f"m{i}" for i in range(10)]  # none deleted, none later


def test_a_backup_whose_files_changed_is_refused(
    root: Path, production: OwnPostgres, restored: OwnPostgres
):
    backup = Path(run("basebackup", production.url, str(root / "backups"), server=production))
    (backup / "PG_VERSION").write_text("99\n")  # "15\n" in the manifest: same size, other bytes
    archive = str(root / "production" / "archive")
    done = attempt(
        "restore",
        "--port",
        str(restored.port),
        str(backup),
        archive,
        str(restored.pgdata),
        server=restored,
    )
    assert done.returncode != 0
    assert 'checksum mismatch for file "PG_VERSION"' in done.stderr, done.stderr
    assert not restored.pgdata.exists()  # refused before anything was copied
