"""Admin hygiene: `keys list` and `users list|disable|enable|reset-password`."""

import re
import secrets
import time
from datetime import UTC

import httpx

from app.access.users import authenticate
from tests.cli.test_commands import callpulse


def _table(stdout: str) -> tuple[list[str], list[list[str]]]:
    """Split `list` output into its header and rows (columns are two or more spaces apart)."""
    lines = [re.split(r" {2,}", line.strip()) for line in stdout.splitlines() if line.strip()]
    return lines[0], lines[1:]


def test_keys_list_has_a_header_codes_and_times(database_url, tenant, client, pg):
    name = f"floor-{secrets.token_hex(3)}"
    key = callpulse(
        database_url,
        "keys",
        "create",
        "--kind",
        "vendor",
        "--vendor",
        tenant.vendor,
        "--name",
        name,
    ).stdout.strip()
    header, rows = _table(callpulse(database_url, "keys", "list").stdout)
    assert header == [
        "PREFIX",
        "KIND",
        "CLIENT",
        "VENDOR",
        "CREATED (UTC)",
        "LAST USED (UTC)",
        "STATE",
        "NAME",
    ]
    (row,) = [r for r in rows if r[-1] == name]
    assert row[:4] == [key[:12] + "…", "vendor", "-", tenant.vendor]
    assert row[5:7] == ["never", "live"]
    created = pg.execute("SELECT created_at FROM api_keys WHERE prefix = %s", [key[:12]]).fetchone()
    assert row[4] == f"{created[0].astimezone(UTC):%Y-%m-%d %H:%M}"

    assert client.get("/v1/alerts", headers={"Authorization": f"Bearer {key}"}).status_code < 500
    _, rows = _table(callpulse(database_url, "keys", "list").stdout)
    (row,) = [r for r in rows if r[-1] == name]
    assert row[5] != "never"
    client_row = [r for r in rows if r[0] == tenant.client_key[:12] + "…"]
    assert client_row and client_row[0][1:4] == ["client", tenant.client, "-"]


def _last_used(pg, key: str):
    row = pg.execute("SELECT last_used_at FROM api_keys WHERE prefix = %s", [key[:12]]).fetchone()
    return row[0]


def test_last_use_is_stamped_at_most_once_a_minute(tenant, client, pg):
    auth = {"Authorization": f"Bearer {tenant.key}"}
    assert client.get("/v1/alerts", headers=auth).status_code == 200
    first = _last_used(pg, tenant.key)
    assert first is not None
    assert client.get("/v1/alerts", headers=auth).status_code == 200
    assert _last_used(pg, tenant.key) == first  # no write per request
    pg.execute(
        "UPDATE api_keys SET last_used_at = now() - interval '61 seconds' WHERE prefix = %s",
        [tenant.key[:12]],
    )
    stale = _last_used(pg, tenant.key)
    assert client.get("/v1/alerts", headers=auth).status_code == 200
    assert _last_used(pg, tenant.key) > stale


def test_stamping_last_use_never_waits_for_another_request(tenant, live_server, pg):
    pg.execute("UPDATE api_keys SET last_used_at = NULL WHERE prefix = %s", [tenant.key[:12]])
    with pg.transaction():  # another request holding the key's row
        pg.execute("SELECT 1 FROM api_keys WHERE prefix = %s FOR UPDATE", [tenant.key[:12]])
        r = httpx.get(
            f"{live_server}/v1/alerts",
            headers={"Authorization": f"Bearer {tenant.key}"},
            timeout=5,
        )
        assert r.status_code == 200
    assert _last_used(pg, tenant.key) is None  # skipped, not waited for
    httpx.get(f"{live_server}/v1/alerts", headers={"Authorization": f"Bearer {tenant.key}"})
    deadline = time.monotonic() + 5  # the request may commit just after it answered
    while _last_used(pg, tenant.key) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _last_used(pg, tenant.key) is not None


def test_users_list_disable_enable_and_reset_password(database_url, tenant, database):
    name = f"ops-{secrets.token_hex(3)}"
    made = callpulse(
        database_url,
        "users",
        "create",
        name,
        "--role",
        "client",
        "--client",
        tenant.client,
        "--password",
        "first password",
    )
    assert made.returncode == 0, made.stderr
    header, rows = _table(callpulse(database_url, "users", "list").stdout)
    assert header == ["USERNAME", "ROLE", "CLIENT", "VENDOR", "CREATED (UTC)", "STATE"]
    (row,) = [r for r in rows if r[0] == name]
    assert row[1:4] == ["client", tenant.client, "-"] and row[5] == "active"

    disabled = callpulse(database_url, "users", "disable", name)
    assert disabled.returncode == 0, disabled.stderr
    with database.session_scope() as session:
        assert authenticate(session, name, "first password") is None
    _, rows = _table(callpulse(database_url, "users", "list").stdout)
    assert next(r for r in rows if r[0] == name)[5].startswith("disabled ")
    again = callpulse(database_url, "users", "disable", name)
    assert again.returncode == 2 and "disabled already" in again.stderr

    assert callpulse(database_url, "users", "enable", name).returncode == 0
    with database.session_scope() as session:
        assert authenticate(session, name, "first password") is not None

    reset = callpulse(
        database_url, "users", "reset-password", name, input_text="second password\n" * 2
    )
    assert reset.returncode == 0, reset.stderr
    with database.session_scope() as session:
        assert authenticate(session, name, "first password") is None
        assert authenticate(session, name, "second password") is not None
    short = callpulse(database_url, "users", "reset-password", name, "--password", "short")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr


def test_users_commands_name_an_unknown_user(database_url):
    for verb in ("disable", "enable"):
        result = callpulse(database_url, "users", verb, "nobody-here")
        assert result.returncode == 2
        assert "no user named 'nobody-here'; see `callpulse users list`" in result.stderr
    result = callpulse(
        database_url, "users", "reset-password", "nobody-here", "--password", "long enough"
    )
    assert result.returncode == 2 and "no user named" in result.stderr
