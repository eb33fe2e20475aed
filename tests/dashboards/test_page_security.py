"""The pages in a real browser under their Content-Security-Policy, and the share link's
token leaving the address bar while the wall's own settings stay."""

import pytest

from app.access.users import create_share_link
from tests.dashboards.conftest import ARTIFACTS
from tests.dashboards.test_sla_page import log_in, traffic, user  # noqa: F401 (fixture)
from tests.dashboards.test_wallboard import waiting_call
from tests.factories import post

WATCH_CSP = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def watch(page) -> list[str]:
    """Collect CSP violations (events and console reports) of every page the tab opens."""
    console: list[str] = []
    page.add_init_script(WATCH_CSP)
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return console


def violations(page, console: list[str]) -> list[str]:
    return [*page.evaluate("window.cspViolations"), *console]


def test_a_tv_link_from_another_site_drops_the_token_and_keeps_its_settings(
    page, live_server, client, database, tenant
):
    with database.session_scope() as session:
        token = create_share_link(session, f"tv-csp-{tenant.client}", tenant.client)
    post(client, "/v1/calls", [waiting_call(tenant.queue, 30, "csp-w1")], tenant)
    settings = f"tv=1&lang=zh&client={tenant.client}&queues={tenant.queue}&rotate=20"
    link = f"{live_server}/wall?token={token}&{settings}"
    console = watch(page)
    page.set_content(f'<a id="tv" href="{link}">TV</a>')  # a chat or mail page elsewhere
    with page.expect_navigation(wait_until="load"):
        page.click("#tv")
    assert page.url == f"{live_server}/wall/?{settings}"
    waiting = page.locator(f"#waiting-{tenant.queue}")
    waiting.wait_for(timeout=30_000)
    page.reload(wait_until="load")  # the cookie, not the token, opens it again
    assert page.url == f"{live_server}/wall/?{settings}"
    waiting.wait_for(timeout=30_000)
    page.wait_for_function(
        f"() => document.querySelector('#waiting-{tenant.queue}').innerText === '1'", timeout=5_000
    )
    post(client, "/v1/calls", [waiting_call(tenant.queue, 1, "csp-w2")], tenant)
    page.wait_for_function(  # and it keeps updating under the policy
        f"() => document.querySelector('#waiting-{tenant.queue}').innerText === '2'", timeout=5_000
    )
    # Plotly draws the chart under the policy (TV mode hides it, so it is drawn, not shown).
    page.locator("#interval-chart .main-svg").first.wait_for(state="attached", timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "wallboard-csp.png"))
    assert violations(page, console) == []


@pytest.mark.usefixtures("traffic")
def test_the_sla_page_renders_and_updates_under_its_policy(page, live_server, database, tenant):
    console = watch(page)
    user(database, f"csp-{tenant.client}", "client", client_code=tenant.client)
    log_in(page, live_server, f"csp-{tenant.client}")
    document = page.context.request.get(f"{live_server}/sla/")  # with the browser's cookie
    assert document.status == 200 and "_dash-renderer" in document.text()
    assert "script-src 'self' 'sha256-" in document.headers["content-security-policy"]
    page.locator("#trend-service_level .main-svg").first.wait_for(timeout=30_000)
    page.click("#lang-toggle")
    page.locator("#lang-toggle", has_text="English").wait_for(timeout=10_000)
    assert violations(page, console) == []
