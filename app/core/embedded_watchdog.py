"""Stop the embedded PostgreSQL once no CallPulse process uses it, even a killed one's.

pgserver stops the cluster from the exit hook of the last process using it; a process killed
with SIGKILL runs no hook, and the cluster would run on. This small detached process (one
per data dir, started by `start_embedded_postgres`) checks the cluster's list of users every
second and stops the cluster when every one of them is gone.

Run as `python -m app.core.embedded_watchdog PGDATA [SYSTEM_USER]`.
"""

import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import psutil

MODULE = "app.core.embedded_watchdog"
CHECK_EVERY_S = 1.0
PID_FILE = "callpulse-watchdog.pid"


def ensure_watchdog(server: Any) -> None:
    """Start the watchdog of `server`'s cluster unless one is running already."""
    pid_file = server.pgdata / PID_FILE
    with server._lock:  # pgserver's cross-process lock: one watchdog per cluster
        if _watchdog_running(pid_file, server.pgdata):
            return
        args = [sys.executable, "-m", MODULE, str(server.pgdata), server.system_user or ""]
        with (server.pgdata / "callpulse-watchdog.log").open("a") as log:
            process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # not stopped by a Ctrl+C meant for serve
            )
        pid_file.write_text(str(process.pid))


def _watchdog_running(pid_file: Path, pgdata: Path) -> bool:
    try:
        cmdline = psutil.Process(int(pid_file.read_text())).cmdline()
    except (FileNotFoundError, ValueError, psutil.Error):
        return False
    return MODULE in cmdline and str(pgdata) in cmdline


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def watch(pgdata: Path, system_user: str | None) -> None:
    """Wait until no process in the cluster's list of users is alive, then stop the cluster."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]
        from pgserver.postgres_server import PostgresServer
        from pgserver.utils import DiskList

    from app.core.embedded import postmaster_alive

    users = DiskList(pgdata / ".handle_pids.json")
    while True:
        time.sleep(CHECK_EVERY_S)
        with PostgresServer._lock:
            alive = [pid for pid in users.get() if _alive(pid)]
            if alive:
                continue
            users.put([])
            if postmaster_alive(pgdata):
                print(f"no CallPulse process uses {pgdata} any more: stopping it", flush=True)
                try:
                    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=system_user)
                except subprocess.SubprocessError as exc:
                    print(f"could not stop {pgdata}: {exc}; checking again", flush=True)
                    continue
            (pgdata / PID_FILE).unlink(missing_ok=True)
            return


if __name__ == "__main__":
    watch(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None)
