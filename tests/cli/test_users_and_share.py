"""`callpulse users create` (argon2) and `callpulse share create|revoke`."""

import secrets
import urllib.parse

from app.access.scope import visible_queue_ids
from app.access.users import authenticate, share_principal
from tests.cli.test_commands import callpulse


def test_user_password_is_argon2_and_checked(database_url, tenant, database, pg):
    name = f"lead-{secrets.token_hex(3)}"
    result = callpulse(
        database_url,
        "users",
        "create",
        name,
        "--role",
        "client",
        "--client",
        tenant.client,
        "--password",
        "correct horse",
    )
    assert result.returncode == 0, result.stderr
    stored = pg.execute("SELECT password_hash FROM users WHERE username = %s", [name]).fetchone()
    assert stored[0].startswith("$argon2id$") and "correct horse" not in stored[0]
    with database.session_scope() as session:
        principal = authenticate(session, name, "correct horse")
        assert principal is not None and principal.kind == "client"
        assert authenticate(session, name, "wrong horse") is None
        assert authenticate(session, "nobody", "correct horse") is None
    short = callpulse(
        database_url, "users", "create", name + "x", "--role", "admin", "--password", "short"
    )
    assert short.returncode == 2 and "at least 8 characters" in short.stderr


def test_share_link_prints_url_and_revokes(database_url, tenant, database):
    name = f"tv-{secrets.token_hex(3)}"
    made = callpulse(database_url, "share", "create", "--name", name, "--client", tenant.client)
    assert made.returncode == 0, made.stderr
    url = made.stdout.strip()
    assert made.stdout == url + "\n" and "/wall?token=cps_" in url
    link = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert (link["tv"], link["lang"]) == (["1"], ["en"])  # opens in TV mode, in its language
    token = link["token"][0]
    with database.session_scope() as session:
        principal = share_principal(session, token)
        assert principal is not None and principal.kind == "share"
        queues = visible_queue_ids(session, principal)
    assert len(queues) == 3  # the tenant client's three queues, nobody else's
    zh = callpulse(database_url, "share", "create", "--name", name + "zh", "--lang", "zh")
    assert zh.stdout.strip().endswith("&tv=1&lang=zh")
    wrong = callpulse(database_url, "share", "create", "--name", name + "fr", "--lang", "fr")
    assert wrong.returncode == 2 and "--lang" in wrong.stderr and "use en or zh" in wrong.stderr
    assert callpulse(database_url, "share", "revoke", name).returncode == 0
    with database.session_scope() as session:
        assert share_principal(session, token) is None
    again = callpulse(database_url, "share", "revoke", name)
    assert again.returncode == 2 and "no live share link" in again.stderr
