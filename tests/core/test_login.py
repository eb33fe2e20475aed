"""`/login` and `/logout`: the password check off the event loop, bounded, and throttled."""

import logging
import secrets
import threading
import time
from datetime import timedelta

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from app.access.users import create_user
from app.main import create_app

PASSWORD = "right-password"
SLOW = PasswordHasher(time_cost=150, memory_cost=8192, parallelism=1)  # about a second


def make_user(database, pg=None, *, slow=False) -> str:
    """Create an admin user with PASSWORD; `slow` stores a hash that takes ~1 s to check."""
    name = f"user-{secrets.token_hex(4)}"
    with database.session_scope() as session:
        create_user(session, name, PASSWORD, "admin")
    if slow:
        pg.execute(
            "UPDATE users SET password_hash = %s WHERE username = %s", [SLOW.hash(PASSWORD), name]
        )
    return name


def from_address(app, address: str | None = None, **options) -> TestClient:
    """A client of `app` connecting from its own address, so throttles do not meet."""
    address = address or f"198.51.100.{secrets.randbelow(250) + 1}-{secrets.token_hex(3)}"
    return TestClient(app, client=(address, 50000), **options)


def log_in(http, username: str, password: str):
    form = {"username": username, "password": password, "next": "/sla/"}
    return http.post("/login", data=form, follow_redirects=False)


def test_a_password_check_never_holds_up_other_requests(live_server, database, pg):
    name = make_user(database, pg, slow=True)
    done: dict[str, float] = {}

    def slow_login() -> None:
        form = {"username": name, "password": PASSWORD}
        httpx.post(f"{live_server}/login", data=form, timeout=60)
        done["login"] = time.monotonic()

    thread = threading.Thread(target=slow_login)
    thread.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the user row is read: argon2 runs now, for ~1 s
        checking = pg.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'"
            " AND query LIKE '%FROM users%' AND query LIKE '%users.username =%'"
        ).fetchone()[0]
        if checking:
            break
        time.sleep(0.005)
    health = httpx.get(f"{live_server}/health", timeout=60)
    done["health"] = time.monotonic()
    thread.join()
    assert health.status_code == 200
    assert done["health"] < done["login"]  # answered while the password was being checked


def test_logins_over_the_bound_are_refused_at_once(live_server, settings, database, pg):
    name = make_user(database, pg, slow=True)
    extra = 3
    answers: list[tuple[int, str | None, float]] = []

    def attempt() -> None:
        sent = time.monotonic()
        form = {"username": name, "password": PASSWORD}
        response = httpx.post(f"{live_server}/login", data=form, timeout=120)
        answers.append(
            (response.status_code, response.headers.get("retry-after"), time.monotonic() - sent)
        )

    threads = [threading.Thread(target=attempt) for _ in range(settings.login_concurrency + extra)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    busy = [a for a in answers if a[0] == 503]
    admitted = [a for a in answers if a[0] == 303]
    assert len(busy) == extra and len(admitted) == settings.login_concurrency, answers
    assert all(retry_after == "1" for _, retry_after, _ in busy)
    assert max(s for *_, s in busy) < min(s for *_, s in admitted)  # refused, not queued


def test_failed_logins_are_throttled_per_user(client, database, caplog):
    name, other = make_user(database), make_user(database)
    http = from_address(client.app)
    for _ in range(5):
        assert log_in(http, name, "wrong-password").status_code == 401
    with caplog.at_level(logging.WARNING, logger="app.access.login"):
        throttled = log_in(http, name, PASSWORD)  # even the right password waits
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["retry-after"]) <= 900
    assert "try again in" in throttled.text and "秒后再试" in throttled.text
    assert any(name in r.getMessage() and "throttled" in r.getMessage() for r in caplog.records)
    assert log_in(from_address(client.app), name, PASSWORD).status_code == 429  # any address
    assert log_in(http, other, PASSWORD).status_code == 303  # other users from there are fine


def test_failed_logins_are_throttled_per_address_on_every_replica(settings, database):
    address = f"203.0.113.{secrets.randbelow(250) + 1}-{secrets.token_hex(3)}"
    replicas = [from_address(create_app(settings, database), address) for _ in range(2)]
    for i in range(settings.login_max_failures_per_address):
        guess = log_in(replicas[i % 2], f"guess-{i}-{secrets.token_hex(2)}", "wrong-password")
        assert guess.status_code == 401
    name = make_user(database)
    assert log_in(replicas[0], name, PASSWORD).status_code == 429
    assert log_in(replicas[1], name, PASSWORD).status_code == 429
    assert log_in(from_address(replicas[0].app), name, PASSWORD).status_code == 303


def test_retry_after_is_honest_and_a_login_clears_the_count(client, database, pg):
    http = from_address(client.app)
    name = make_user(database)
    for _ in range(5):
        assert log_in(http, name, "wrong-password").status_code == 401
    retry_after = int(log_in(http, name, PASSWORD).headers["retry-after"])
    assert 850 < retry_after <= 900

    def time_passes(seconds: int) -> None:  # the failures age as if that much time went by
        # row by row with constants: Citus refuses a STABLE function of a column in an UPDATE
        failures = pg.execute(
            "SELECT id, failed_at FROM login_failures WHERE username = %s", [name]
        ).fetchall()
        for failure_id, failed_at in failures:
            pg.execute(
                "UPDATE login_failures SET failed_at = %s WHERE id = %s",
                [failed_at - timedelta(seconds=seconds), failure_id],
            )

    time_passes(retry_after - 60)
    still = log_in(http, name, PASSWORD)
    assert still.status_code == 429 and 0 < int(still.headers["retry-after"]) <= 60
    time_passes(60)
    assert log_in(http, name, PASSWORD).status_code == 303
    for _ in range(4):  # the success forgot the earlier failures: four more are allowed
        assert log_in(http, name, "wrong-password").status_code == 401
    assert log_in(http, name, PASSWORD).status_code == 303


@pytest.mark.parametrize("username", ["nul\x00name", "x" * 500])
def test_impossible_user_names_are_wrong_passwords_not_errors(client, username):
    assert log_in(from_address(client.app), username, PASSWORD).status_code == 401


def test_an_oversized_form_is_refused_before_any_work(client):
    huge = log_in(from_address(client.app), "someone", "x" * 100_000)
    assert huge.status_code == 413 and "too long" in huge.text


def test_logout_forgets_the_session_and_the_wallboard_link(client, database):
    name = make_user(database)
    http = from_address(client.app)
    assert log_in(http, name, PASSWORD).status_code == 303
    assert http.get("/sla/", follow_redirects=False).status_code == 200
    out = http.get("/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    cleared = out.headers.get_list("set-cookie")
    assert any(c.startswith('cp_session="";') and "Max-Age=0" in c for c in cleared)
    assert any(c.startswith('cp_share="";') and "Path=/wall" in c for c in cleared)
    again = http.get("/sla/", follow_redirects=False)
    assert again.status_code == 302 and again.headers["location"].startswith("/login")
    assert http.post("/logout", follow_redirects=False).status_code == 303
