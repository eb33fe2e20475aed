"""Embedded PostgreSQL for machines without a server (pgserver, from PyPI).

The cluster lives in `<data_dir>/pgdata`, is reused across runs, and listens on a
Unix socket only; pgserver stops it when the last process using it exits (a watchdog does
when that process was killed). Long-running commands call `supervise_embedded_postgres()`
so a cluster that dies is started again.
"""

import atexit
import logging
import os
import signal
import subprocess
import threading
import warnings
from pathlib import Path
from typing import Any

import psutil

from app.core.embedded_watchdog import ensure_watchdog

log = logging.getLogger(__name__)
CHECK_EVERY_S = 1.0


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or join) the embedded cluster in `data_dir` and return its libpq URL."""
    pgdata = data_dir / "pgdata"
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pgserver

        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    if server not in _servers:
        _servers.append(server)  # keep a handle: pgserver stops the cluster when none is left
        ensure_watchdog(server)  # stops the cluster when its users were killed (no exit hook)
    log.info("embedded PostgreSQL running in %s", pgdata)
    return server.get_uri()


def supervise_embedded_postgres(every_s: float = CHECK_EVERY_S) -> None:
    """Restart this process's embedded clusters whenever their postmaster dies.

    Call it from the main thread: it also makes SIGTERM (docker stop, systemd) exit through
    Python, so the exit hooks run and the cluster stops with the last CallPulse process.
    """
    if not _servers:
        return
    stop = threading.Event()
    for server in _servers:
        threading.Thread(
            target=_supervise, args=(server, stop, every_s), name="embedded-pg", daemon=True
        ).start()
    atexit.register(stop.set)  # before pgserver's exit hook stops the cluster on purpose
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _supervise(server: Any, stop: threading.Event, every_s: float) -> None:
    while not stop.wait(every_s):
        if postmaster_alive(server.pgdata):
            continue
        log.warning("embedded PostgreSQL stopped unexpectedly (%s); restarting it", server.pgdata)
        while not stop.is_set() and not _restart(server, stop):
            stop.wait(every_s)


def _restart(server: Any, stop: threading.Event) -> bool:
    """Start the cluster again under pgserver's cross-process lock; False to retry later."""
    try:
        with server._lock:  # the lock pgserver starts and stops clusters under
            if stop.is_set():
                return True
            server.ensure_postgres_running()
    except (subprocess.SubprocessError, OSError, AssertionError) as exc:
        log.error("embedded PostgreSQL in %s did not start: %s; retrying", server.pgdata, exc)
        return False
    log.warning("embedded PostgreSQL restarted in %s (pid %s)", server.pgdata, server.get_pid())
    return True


def postmaster_alive(pgdata: Path) -> bool:
    """Return whether the postmaster named in `pgdata/postmaster.pid` is running."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        process = psutil.Process(pid)
        if process.status() != psutil.STATUS_ZOMBIE:
            return True
        if process.ppid() == os.getpid():  # we are its reaper (e.g. PID 1 in a container)
            os.waitpid(pid, os.WNOHANG)
    except (FileNotFoundError, ValueError, psutil.NoSuchProcess, ChildProcessError):
        pass
    return False


_servers: list[Any] = []
