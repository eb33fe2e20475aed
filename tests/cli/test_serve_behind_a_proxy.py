"""`callpulse serve` believes X-Forwarded-Proto only from CALLPULSE_TRUSTED_PROXIES."""

import os
import secrets
import socket
import subprocess
import sys
import time

import httpx
import pytest

from app.access.users import create_user

PASSWORD = "right-password"


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


@pytest.mark.parametrize(("trusted", "secure"), [("", False), ("127.0.0.1", True)])
def test_forwarded_https_counts_only_from_a_trusted_proxy(database_url, database, trusted, secure):
    name = f"proxied-{secrets.token_hex(4)}"
    with database.session_scope() as session:
        create_user(session, name, PASSWORD, "admin")
    port = free_port()
    server = serve(database_url, port, CALLPULSE_TRUSTED_PROXIES=trusted)
    try:
        login = httpx.post(
            f"http://127.0.0.1:{port}/login",
            data={"username": name, "password": PASSWORD},
            headers={"X-Forwarded-Proto": "https"},  # what a TLS-terminating proxy sends
        )
    finally:
        server.terminate()
        server.wait(30)
    assert login.status_code == 303
    assert ("; Secure" in login.headers["set-cookie"]) == secure
