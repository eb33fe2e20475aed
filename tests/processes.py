"""CallPulse as a user runs it: `callpulse serve` in a subprocess, on a free port."""

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest


def serve(database_url: str, port: int, **environment: str) -> subprocess.Popen:
    """Start `callpulse serve --no-scheduler` and wait until it answers /health."""
    env = {**os.environ, "DATABASE_URL": database_url, **environment}
    command = [sys.executable, "-c", "from app.cli import main; main()", "serve"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--no-scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    pytest.fail("callpulse serve did not answer /health within 60 s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
