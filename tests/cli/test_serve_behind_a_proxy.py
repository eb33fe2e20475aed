"""`callpulse serve` believes X-Forwarded-Proto only from CALLPULSE_TRUSTED_PROXIES."""

import secrets

import httpx
import pytest

from app.access.users import create_user
from tests.processes import free_port, serve

PASSWORD = "right-password"


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
