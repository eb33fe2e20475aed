"""The embedded PostgreSQL under `callpulse serve`: restarted when it dies, stopped with serve.

These run the real command in a subprocess with its own data dir and no DATABASE_URL,
the path a new user's machine takes.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

STARTUP_S = 120  # initdb and the migrations on a busy machine
RECOVERY_S = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _postmaster_pid(pgdata: Path) -> int | None:
    """Return the pid written in postmaster.pid, or None when there is none."""
    try:
        return int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return None


def _postgres_of(pgdata: Path) -> list[psutil.Process]:
    """Return the live (non-zombie) postgres processes serving `pgdata`."""
    found = []
    pid = _postmaster_pid(pgdata)
    for proc in psutil.process_iter(["cmdline", "status"]):
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(pgdata) in cmdline or (pid is not None and proc.pid == pid):
            found.append(proc)
    return found


def _wait_for(condition, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    pytest.fail(f"{what} within {seconds:g} s; serve's log:\n{log.read_text()[-4000:]}")


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


class Serve:
    """A `callpulse serve` subprocess on a temporary data dir."""

    def __init__(self, tmp_path: Path) -> None:
        self.data_dir = tmp_path / "data"
        self.pgdata = self.data_dir / "pgdata"
        self.log = tmp_path / "serve.log"
        self.url = f"http://127.0.0.1:{_free_port()}"
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["CALLPULSE_DATA_DIR"] = str(self.data_dir)
        env["CALLPULSE_SCHEDULER"] = "false"
        port = self.url.rsplit(":", 1)[1]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from app.cli import main; main()", "serve", "--port", port],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
        _wait_for(lambda: _healthy(self.url), STARTUP_S, "serve did not answer /health", self.log)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Send `sig` to serve and wait for it to exit."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(30)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    server = Serve(tmp_path)
    yield server
    server.stop(signal.SIGKILL)
    for proc in _postgres_of(server.pgdata):  # leave nothing behind, whatever the test saw
        proc.kill()


def test_serve_restarts_a_killed_postmaster_and_stops_it_on_exit(serve):
    first = _postmaster_pid(serve.pgdata)
    assert first is not None and psutil.pid_exists(first)
    os.kill(first, signal.SIGKILL)
    _wait_for(lambda: _healthy(serve.url), RECOVERY_S, "/health was not 200 again", serve.log)
    assert _postmaster_pid(serve.pgdata) not in (None, first)
    log = serve.log.read_text()
    assert "embedded PostgreSQL stopped unexpectedly" in log, log
    assert "embedded PostgreSQL restarted" in log, log
    serve.stop()
    assert serve.process.returncode in (0, 128 + signal.SIGTERM), serve.log.read_text()[-4000:]
    _wait_for(
        lambda: not _postgres_of(serve.pgdata),
        15,
        "PostgreSQL outlived serve",
        serve.log,
    )


def test_a_killed_callpulse_process_does_not_keep_the_cluster_running(serve):
    joined = serve.data_dir / "joined"
    script = (
        "import sys, time; from pathlib import Path;"
        " from app.core.embedded import start_embedded_postgres;"
        " start_embedded_postgres(Path(sys.argv[1])); Path(sys.argv[2]).touch(); time.sleep(600)"
    )
    other = subprocess.Popen([sys.executable, "-c", script, str(serve.data_dir), str(joined)])
    _wait_for(joined.exists, 60, "the second process did not join the cluster", serve.log)
    other.kill()  # SIGKILL: no exit hook runs, its pid stays in pgserver's list of users
    other.wait(10)
    serve.stop()
    _wait_for(
        lambda: not _postgres_of(serve.pgdata),
        15,
        "PostgreSQL outlived every CallPulse process",
        serve.log,
    )


def test_the_cluster_stops_when_serve_is_killed(serve):
    serve.stop(signal.SIGKILL)  # no exit hook runs
    _wait_for(
        lambda: not _postgres_of(serve.pgdata),
        15,
        "PostgreSQL outlived a killed serve",
        serve.log,
    )
