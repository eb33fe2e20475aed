"""Security headers on every answer, the share token out of the URL, Secure cookies."""

import base64
import hashlib
import re
import secrets

import pytest
from fastapi.testclient import TestClient

from app.access.users import create_share_link, create_user
from app.main import create_app

PASSWORD = "right-password"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.DOTALL)


def share_token(database, tenant) -> str:
    with database.session_scope() as session:
        return create_share_link(session, f"tv-{secrets.token_hex(4)}", tenant.client)


def user(database) -> str:
    name = f"user-{secrets.token_hex(4)}"
    with database.session_scope() as session:
        create_user(session, name, PASSWORD, "admin")
    return name


def own_client(app, **options) -> TestClient:
    return TestClient(app, client=(f"192.0.2.{secrets.token_hex(3)}", 50000), **options)


def executable_inline_scripts(html: str) -> list[str]:
    """Return the inline scripts a browser would run (not JSON data, not inside comments)."""
    live = re.sub(r"<!--.*?-->", "", html, flags=re.DOTALL)
    return [body for attrs, body in INLINE_SCRIPT.findall(live) if "application/json" not in attrs]


def allows(policy: str, script: str) -> bool:
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    return f"'sha256-{digest}'" in script_src.split()


def assert_hardened(response) -> None:
    headers = response.headers
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "'unsafe-inline'" not in next(d for d in policy.split(";") if "script-src" in d)
    assert "'unsafe-eval'" not in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def assert_page_allowed(page) -> None:
    """A page is hardened and runs every inline script it has (they are allowed by hash)."""
    assert_hardened(page)
    for script in executable_inline_scripts(page.text):
        assert allows(page.headers["content-security-policy"], script), script[:80]


def test_api_answers_and_pages_carry_the_security_headers(client, database, tenant):
    http = own_client(client.app)
    for path in ("/health", "/v1/alerts", "/no-such-path", "/openapi.json", "/docs"):
        assert_hardened(http.get(path))
    assert_page_allowed(http.get("/login"))
    share = http.get(f"/wall/?token={share_token(database, tenant)}")
    assert share.status_code == 200 and "_dash-renderer" in share.text
    assert_page_allowed(share)
    assert executable_inline_scripts(share.text)  # Dash's renderer: allowed by its hash
    name = user(database)
    http.post("/login", data={"username": name, "password": PASSWORD})
    sla = http.get("/sla/")
    assert sla.status_code == 200 and "_dash-renderer" in sla.text
    assert_page_allowed(sla)
    forged = own_client(client.app, cookies={"cp_session": "1.9999999999.forged"})
    assert_hardened(forged.get("/sla/", follow_redirects=False))


def test_the_share_token_leaves_the_address_and_every_other_parameter_stays(
    client, database, tenant
):
    token = share_token(database, tenant)
    http = own_client(client.app)
    before = "tv=1&lang=zh"
    after = f"client={tenant.client}&queues=a%2Cb,c&rotate=20&blank=&tv=2"
    first = http.get(f"/wall/?{before}&token={token}&{after}", follow_redirects=False)
    assert first.status_code == 302
    assert first.headers["location"] == f"/wall/?{before}&{after}"
    assert first.headers["cache-control"] == "no-store"
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"cp_share={token}; Path=/wall; HttpOnly; SameSite=Lax")
    page = http.get(first.headers["location"], follow_redirects=False)
    assert page.status_code == 200 and "_dash-renderer" in page.text  # the cookie opens it
    only = http.get(f"/wall/?token={token}", follow_redirects=False)
    assert only.headers["location"] == "/wall/"


@pytest.mark.parametrize(
    ("mode", "base_url", "headers", "secure"),
    [
        ("auto", "http://testserver", {}, False),
        ("auto", "https://testserver", {}, True),
        ("auto", "http://testserver", {"X-Forwarded-Proto": "https"}, False),  # not trusted
        ("true", "http://testserver", {}, True),
        ("false", "https://testserver", {}, False),
    ],
)
def test_cookies_are_secure_over_https(settings, database, tenant, mode, base_url, headers, secure):
    app = create_app(settings.model_copy(update={"cookie_secure": mode}), database)
    http = own_client(app, base_url=base_url)
    login = http.post(
        "/login",
        data={"username": user(database), "password": PASSWORD},
        headers=headers,
        follow_redirects=False,
    )
    share = http.get(
        f"/wall/?token={share_token(database, tenant)}", headers=headers, follow_redirects=False
    )
    for response in (login, share):
        assert response.status_code in (302, 303)
        assert ("; Secure" in response.headers["set-cookie"]) == secure


def test_a_trusted_proxy_says_https_and_who_the_client_is(settings, database, pg):
    trusting = settings.model_copy(update={"trusted_proxies": "10.9.0.0/16, 10.8.0.1"})
    http = TestClient(create_app(trusting, database), client=("10.9.3.4", 50000))
    visitor = f"2001:db8::{secrets.token_hex(2)}"
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": visitor}
    login = http.post(
        "/login",
        data={"username": user(database), "password": PASSWORD},
        headers=forwarded,
        follow_redirects=False,
    )
    assert "; Secure" in login.headers["set-cookie"]
    assert login.headers["strict-transport-security"] == "max-age=31536000"
    wrong = http.post("/login", data={"username": "nobody", "password": "x"}, headers=forwarded)
    assert wrong.status_code == 401
    stored = pg.execute("SELECT count(*) FROM login_failures WHERE address = %s", [visitor])
    assert stored.fetchone()[0] == 1  # the throttle counts the visitor, not the proxy
