"""`callpulse demo`: a second run revokes the first one's access; a taken port fails early."""

import hashlib
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import psycopg
import pytest

from app.core.db import create_database, drop_database, libpq_url
from tests.cli.test_commands import callpulse


@pytest.fixture
def demo_url(database_url: str) -> Iterator[str]:
    """A database of its own: the demo applies fixed tenant codes (acme, vendor-a, …)."""
    url = create_database(database_url, "callpulse_demo")
    yield url
    drop_database(url)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _demo_banner(url: str) -> str:
    """Run `callpulse demo` until it has printed its credentials, then stop it."""
    env = {**os.environ, "DATABASE_URL": url, "COLUMNS": "200"}
    port = str(_free_port())
    process = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "demo", "--port", port],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    watchdog = threading.Timer(180, process.kill)
    watchdog.start()
    lines = []
    try:
        for line in process.stderr or ():
            lines.append(line)
            if "Vendor key" in line:
                break
    finally:
        watchdog.cancel()
        process.kill()
        process.wait()
    banner = "".join(lines)
    assert "Vendor key" in banner, banner
    return banner


def _live(pg: psycopg.Connection, sql: str) -> list[tuple]:
    return pg.execute(sql).fetchall()


def test_running_demo_twice_does_not_pile_up_access(demo_url):
    first = _demo_banner(demo_url)
    second = _demo_banner(demo_url)
    key = re.search(r"Vendor key \(vendor-a, shown once\): (cpk_\S+)", second)
    assert key is not None, second
    old_key = re.search(r"(cpk_\S+)", first.split("Vendor key", 1)[1])
    assert old_key is not None and old_key.group(1) != key.group(1)
    with psycopg.connect(libpq_url(demo_url), autocommit=True) as pg:
        keys = _live(
            pg,
            "SELECT v.code, k.key_hash FROM api_keys k JOIN vendors v ON v.id = k.vendor_id"
            " WHERE k.revoked_at IS NULL ORDER BY v.code",
        )
        assert [code for code, _ in keys] == ["vendor-a", "vendor-b"]
        assert hashlib.sha256(key.group(1).encode()).digest() in [bytes(h) for _, h in keys]
        links = _live(pg, "SELECT name FROM share_links WHERE revoked_at IS NULL")
        assert len(links) == 1 and links[0][0].startswith("demo-tv-")
        assert _live(pg, "SELECT count(*) FROM share_links") == [(2,)]
        users = _live(pg, "SELECT username, disabled_at FROM users ORDER BY username")
        assert users == [("acme-demo", None), ("vendor-a-demo", None)]
    assert "acme-demo / " in second and "vendor-a-demo / " in second


def test_demo_on_a_taken_port_fails_before_printing_credentials(demo_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = callpulse(demo_url, "demo", "--port", str(port))
    assert result.returncode == 2, result.stderr
    assert f"port {port} on 127.0.0.1 is not free" in result.stderr
    assert f"--port {port + 1}" in result.stderr
    assert "cpk_" not in result.stderr + result.stdout
    with psycopg.connect(libpq_url(demo_url), autocommit=True) as pg:
        tables = _live(pg, "SELECT to_regclass('api_keys') IS NOT NULL")
        assert tables == [(False,)] or _live(pg, "SELECT count(*) FROM api_keys") == [(0,)]
