"""The wallboard in a real browser: seeded numbers, live updates, acknowledge, access."""

import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.access.users import create_share_link, create_user, revoke_share_link, share_principal
from app.alerts.service import evaluate_all
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.kpi.aggregation import run_pass
from dashboards import data
from dashboards.wall_url import WallSettings
from dashboards.wallboard import board
from tests.dashboards.conftest import ARTIFACTS
from tests.factories import cdr, post
from tests.kpi.helpers import client_id


def share_url(database, live_server, tenant, name):
    with database.session_scope() as session:
        token = create_share_link(session, name, tenant.client)
    return f"{live_server}/wall/?token={token}"


def waiting_call(queue, seconds_ago, call_id):
    offered = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    return {"call_id": call_id, "queue": queue, "offered_at": offered.isoformat()}


def test_wallboard_shows_numbers_and_a_new_call_within_two_seconds(
    page, live_server, client, database, settings, tenant
):
    post(
        client,
        "/v1/calls",
        [waiting_call(tenant.queue, 30, "w1"), waiting_call(tenant.queue, 90, "w2")],
        tenant,
    )
    answered = []
    # today's calls: ten minutes ago, or since the client's midnight if that is later
    midnight = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=0, minute=0, second=0)
    ago = min(600, (datetime.now(UTC) - midnight).total_seconds() - 1)
    for i, wait in enumerate((5, 5, 5, 40)):  # 3 of 4 within T = 20 s
        call = waiting_call(tenant.queue, ago, f"a{i}")
        call["answered_at"] = (
            datetime.fromisoformat(call["offered_at"]) + timedelta(seconds=wait)
        ).isoformat()
        answered.append(call)
    post(client, "/v1/calls", answered, tenant)
    run_pass(database, settings)
    seen = (datetime.now(UTC) - timedelta(minutes=3)).isoformat()
    agent = {
        "agent": "ag-wall",
        "state": "not_ready",
        "at": seen,
        "reason": "training",
        "queues": [tenant.queue],
    }
    assert post(client, "/v1/agent-events", [agent], tenant).json()["accepted"] == 1
    page.goto(share_url(database, live_server, tenant, f"tv-{tenant.client}"), wait_until="load")
    waiting = page.locator(f"#waiting-{tenant.queue}")
    waiting.wait_for(timeout=15_000)
    assert waiting.inner_text() == "2"
    assert page.locator(f"#longest-wait-{tenant.queue}").inner_text() >= "01:30"
    for element in ("sl-today", "sl-10m", "agents", "tile"):
        assert page.locator(f"#{element}-{tenant.queue}").count() == 1
    # SL = 3 / 4 answered within T = 75.0 %: within 5 points of the 80 % target, so amber
    sl_today = page.locator(f"#sl-today-{tenant.queue}")
    assert sl_today.inner_text() == "75.0 % ◆"
    assert "warn" in sl_today.get_attribute("class")
    assert page.locator(f"#asa-{tenant.queue}").inner_text().startswith("00:14")  # 55 s / 4
    assert page.locator(f"#abandon-{tenant.queue}").inner_text().startswith("0.0 %")
    assert page.locator(f"#tile-{tenant.foreign_queue}").count() == 0  # another client's
    page.locator("#agent-grid", has_text="ag-wall").wait_for(timeout=5_000)
    assert "training" in page.inner_text("#agent-grid")
    page.locator("#interval-chart .main-svg").first.wait_for(timeout=5_000)
    page.screenshot(path=str(ARTIFACTS / "wallboard.png"), full_page=True)
    post(client, "/v1/calls", [waiting_call(tenant.queue, 1, "w3")], tenant)
    sent = time.monotonic()
    page.wait_for_function(
        f"() => document.querySelector('#waiting-{tenant.queue}').innerText === '3'", timeout=2_000
    )
    assert time.monotonic() - sent <= 2.0
    page.click("#lang-toggle")
    page.get_by_text("排队数").first.wait_for(timeout=3_000)
    page.click("#tv-toggle")
    page.locator("#wall.tv").wait_for(timeout=3_000)
    page.screenshot(path=str(ARTIFACTS / "wallboard-tv-zh.png"))


def test_login_is_required_without_a_share_token(page, live_server):
    page.goto(f"{live_server}/wall/", wait_until="load")
    assert "/login" in page.url
    assert page.locator("#username").count() == 1


def test_revoked_token_is_refused(page, live_server, database, tenant):
    url = share_url(database, live_server, tenant, f"gone-{tenant.client}")
    with database.session_scope() as session:
        revoke_share_link(session, f"gone-{tenant.client}")
    response = page.goto(url, wait_until="load")
    assert response.status == 403
    assert "revoked" in page.inner_text("body")


def test_acknowledge_button_acknowledges(page, live_server, client, database, settings, pg, tenant):
    spec = TenancyFile.model_validate(
        {
            "alert_rules": [
                {
                    "name": f"wall-sl-{tenant.client}",
                    "queues": [tenant.queue],
                    "metric": "service_level",
                    "window_min": 10,
                    "op": "<",
                    "threshold": 0.8,
                    "min_volume": 3,
                }
            ]
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
        create_user(
            session,
            f"sup-{tenant.client}",
            "floor-password",
            "supervisor",
            vendor_code=tenant.vendor,
        )
    now = datetime.now(UTC)
    offered = [(now - timedelta(minutes=3, seconds=i)).isoformat() for i in range(4)]
    calls = [cdr(f"ab{i}", tenant.queue, at, gave_up_after=60) for i, at in enumerate(offered)]
    post(client, "/v1/calls", calls, tenant)
    evaluate_all(database, settings, now, client_id(pg, tenant.client))
    alert_id = pg.execute(
        "SELECT a.id FROM alerts a JOIN alert_rules r ON r.id = a.rule_id WHERE r.name = %s",
        [f"wall-sl-{tenant.client}"],
    ).fetchone()[0]
    page.goto(f"{live_server}/wall/", wait_until="load")
    page.fill("#username", f"sup-{tenant.client}")
    page.fill("#password", "floor-password")
    page.click("#login")
    button = page.locator(f"#ack-{alert_id} button")
    button.wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "wallboard-alert.png"), full_page=True)
    button.click()
    deadline = time.monotonic() + 5
    state = None
    while time.monotonic() < deadline:
        state, who = pg.execute(
            "SELECT state, acknowledged_by FROM alerts WHERE id = %s", [alert_id]
        ).fetchone()
        if state == "acknowledged":
            break
        time.sleep(0.1)
    assert state == "acknowledged" and who == f"sup-{tenant.client}"


def test_a_board_that_stops_updating_says_it_is_not_live(page, live_server, database, tenant):
    page.goto(share_url(database, live_server, tenant, f"cut-{tenant.client}"), wait_until="load")
    page.locator(f"#tile-{tenant.queue}").wait_for(timeout=15_000)
    assert "offline" not in (page.get_attribute("body", "class") or "")
    page.route("**/_dash-update-component*", lambda route: route.abort())  # the network drops
    page.locator("body.offline").wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "wallboard-not-live.png"))
    page.unroute("**/_dash-update-component*")  # and comes back
    page.wait_for_function("() => !document.body.classList.contains('offline')", timeout=5_000)


# Everything a wall TV must fit at 1920 × 1080: returns what is wrong, in words.
TV_LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const screen = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
  const inside = (r, box) => r.left >= box.left - 1 && r.right <= box.right + 1
    && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  const name = (el) => el.id || el.className || el.tagName;
  const px = (el) => parseFloat(getComputedStyle(el).fontSize);
  const shown = (el) => el.checkVisibility() && el.getBoundingClientRect().width > 0;
  for (const el of document.querySelectorAll('#wall *')) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (!inside(r, screen)) problems.push(`${name(el)} leaves the screen`);
    const style = getComputedStyle(el);
    if (style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1)
      problems.push(`${name(el)} clips its content`);
  }
  for (const tile of document.querySelectorAll('.tile')) {
    for (const el of tile.querySelectorAll('*')) {
      const parent = el.parentElement;
      if (shown(el) && !inside(el.getBoundingClientRect(), parent.getBoundingClientRect()))
        problems.push(`${name(el)} overflows ${name(parent)} in ${tile.id}`);
    }
  }
  const small = (selector, least) => document.querySelectorAll(selector).forEach((el) => {
    if (shown(el) && px(el) < least) problems.push(`${name(el)} is ${px(el)} px`);
  });
  small('.metric .label, .segment, .alert span, .top-bar span, .more-alerts', 24);
  small('.number', 48);
  for (const control of ['#lang-toggle', '#tv-toggle', '.filters', '.ack', '#interval-chart'])
    document.querySelectorAll(control).forEach((el) => {
      if (shown(el)) problems.push(`${control} is shown`);
    });
  const panel = document.querySelector('#alerts-panel').getBoundingClientRect();
  const lowest = Math.max(...[...document.querySelectorAll('.tile')].map(
    (t) => t.getBoundingClientRect().bottom));
  if (panel.top < lowest) problems.push('the alerts overlap the tiles');
  const page = document.documentElement;
  if (page.scrollHeight > innerHeight || page.scrollWidth > innerWidth)
    problems.push('the page scrolls');
  return problems;
}"""


# The widest numbers a tile may have to show (a day of 5,000 calls, a call waiting for hours).
WIDEST_NUMBERS = """() => {
  const widest = {waiting: '88', 'longest-wait': '3:59:59', 'sl-today': '100.0 %',
    'sl-10m': '100.0 %', abandon: '100.0 %', asa: '59:59', aht: '59:59', erlang: '88 · 88',
    'alert-response': '59:59'};
  document.querySelectorAll('.tile .number').forEach((number) => {
    const icon = number.querySelector('.icon');
    number.textContent = widest[number.id.replace(/-[^-]+$/, '')] || '5012 / 5230';
    if (icon) number.appendChild(icon);
  });
}"""


def busy_board(client, database, settings, pg, tenant):
    """Four queues of two clients in different timezones: alerts on each, a call waiting for
    almost two hours, agents in every state."""
    queues = [tenant.queue, tenant.shared_queue, tenant.other_queue, tenant.foreign_queue]
    spec = {
        "name": f"tv-sl-{tenant.client}",
        "queues": queues,
        "metric": "service_level",
        "window_min": 10,
        "op": "<",
        "threshold": 0.8,
        "min_volume": 3,
        "severity": "critical",
    }
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate({"alert_rules": [spec]}))
    now = datetime.now(UTC)
    for i, queue in enumerate(queues):
        calls = [
            cdr(f"tv{i}{n}", queue, (now - timedelta(minutes=3, seconds=n)).isoformat(), **how)
            for n, how in enumerate([{"gave_up_after": 60}] * 3 + [{"wait": 5}])
        ]
        key = tenant.other_key if queue == tenant.other_queue else None  # its only vendor
        assert post(client, "/v1/calls", calls, tenant, key=key).json()["accepted"] == 4
    post(client, "/v1/calls", [waiting_call(tenant.queue, 6958, "tv-long")], tenant)  # 1:55:58
    events = [
        {"agent": f"tv-{state}", "state": state, "at": (now - timedelta(seconds=40)).isoformat()}
        for state in ("available", "talking", "acw", "not_ready")
    ]
    for event in events:
        event["queues"] = [q for q in queues if q != tenant.other_queue]  # the vendor's
    assert post(client, "/v1/agent-events", events, tenant).json()["accepted"] == 4
    run_pass(database, settings)
    for code in (tenant.client, tenant.other_client):
        evaluate_all(database, settings, now, client_id(pg, code))
    with database.session_scope() as session:
        token = create_share_link(session, f"tv-all-{tenant.client}")
    return token


def open_alerts(pg, tenant) -> int:
    """Count the open alerts of the tenant's two clients."""
    return pg.execute(
        "SELECT count(*) FROM alerts a JOIN clients c ON c.id = a.client_id"
        " WHERE c.code IN (%s, %s) AND a.state = 'open'",
        [tenant.client, tenant.other_client],
    ).fetchone()[0]


def test_a_tv_link_opens_in_tv_mode_in_its_language_fits_the_screen_and_survives_a_reload(
    browser, live_server, client, database, settings, pg, tenant
):
    token = busy_board(client, database, settings, pg, tenant)
    link = (
        f"{live_server}/wall/?token={token}&tv=1&lang=zh"
        f"&client={tenant.client},{tenant.other_client}&rotate=600"
    )
    alerts = open_alerts(pg, tenant)  # the rule's four, and any default rule's
    assert alerts >= 4
    context = browser.new_context(viewport={"width": 1920, "height": 1080})  # a fresh browser
    page = context.new_page()
    page.goto(link, wait_until="load")
    for then in ("reload", "drop the token", None):  # as opened, after a reload, and as the
        # guard may leave it once the token became a cookie: the same URL without `token`
        page.locator("#wall.tv").wait_for(timeout=30_000)
        # a global link reads every queue of the test database: slow late in a loaded run
        page.locator(".tile").nth(3).wait_for(timeout=60_000)
        page.locator("#alerts-panel .alert").first.wait_for(timeout=15_000)
        page.locator("#feed-health .feed").first.wait_for(timeout=15_000)
        assert page.locator(".tile").count() == 4  # the whole group, no other client's
        assert page.get_attribute("#wall", "lang") == "zh-CN"
        assert page.inner_text(f"#waiting-{tenant.queue}") == "1"
        assert page.inner_text(f"#longest-wait-{tenant.queue}").startswith("1:5")  # h:mm:ss
        assert "排队数" in page.inner_text(f"#tile-{tenant.queue}")
        clock = page.inner_text("#clock")  # two clients, two timezones: each time labelled
        assert "Asia/Shanghai" in clock and "Europe/Berlin" in clock
        since = page.locator("#alerts-panel .since").first.inner_text()
        assert since.startswith("开始于") and since.endswith(("Asia/Shanghai", "Europe/Berlin"))
        assert page.inner_text("#alert-count") == f"⚠ {alerts} 条告警待确认"
        assert f"+ {alerts - 3} 条告警未显示" in page.inner_text("#alerts-panel")  # 3 fit
        page.screenshot(path=str(ARTIFACTS / "wallboard-tv-zh-1080p.png"))
        assert page.evaluate(TV_LAYOUT_PROBLEMS) == []
        assert page.evaluate(f"({WIDEST_NUMBERS})(), ({TV_LAYOUT_PROBLEMS})()") == []
        page.screenshot(path=str(ARTIFACTS / "wallboard-tv-zh-widest.png"))
        if then == "reload":
            page.reload(wait_until="load")
        elif then == "drop the token":
            page.goto(link.replace(f"token={token}&", ""), wait_until="load")
    context.close()


def query(page) -> dict[str, list[str]]:
    """Return the page's query parameters, without the share token."""
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    params.pop("token", None)
    return params


def test_settings_changed_on_the_board_are_written_to_its_url_and_survive_a_reload(
    browser, live_server, client, database, settings, pg, tenant
):
    token = busy_board(client, database, settings, pg, tenant)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    # the link sees every test's queues: the board opens on one client (a board of them all
    # is slow to draw where many tests share the database), and the other is picked on it
    page.goto(f"{live_server}/wall/?token={token}&client={tenant.client}", wait_until="load")
    page.locator(f"#tile-{tenant.queue}").wait_for(timeout=30_000)
    page.click("#client-filter")  # pick the second client in the filter
    page.fill(".dash-dropdown-search", tenant.other_client)
    page.press(".dash-dropdown-search", "Enter")
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelectorAll('.tile').length === 4", timeout=15_000)
    assert query(page) == {"lang": ["en"], "client": [f"{tenant.client},{tenant.other_client}"]}
    page.click("#tv-toggle")
    page.locator("#wall.tv").wait_for(timeout=15_000)
    assert query(page)["tv"] == ["1"]
    page.locator("#alerts-panel .more-alerts").wait_for(timeout=30_000)  # refreshed for TV
    page.wait_for_function("() => document.querySelectorAll('.tile').length === 4", timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "wallboard-tv-en-1080p.png"))
    assert page.evaluate(TV_LAYOUT_PROBLEMS) == []  # English labels fit too
    problems = page.evaluate(f"({WIDEST_NUMBERS})(), ({TV_LAYOUT_PROBLEMS})()")
    page.screenshot(path=str(ARTIFACTS / "wallboard-tv-en-widest.png"))
    assert problems == []
    page.keyboard.press("Escape")  # leaves TV mode, whose controls are hidden
    page.wait_for_function(
        "() => !document.querySelector('#wall').classList.contains('tv')", timeout=15_000
    )
    assert "tv" not in query(page)
    page.click("#lang-toggle")
    page.get_by_text("排队数").first.wait_for(timeout=15_000)
    page.wait_for_function("() => location.search.includes('lang=zh')", timeout=15_000)
    written = query(page)
    page.reload(wait_until="load")
    page.get_by_text("排队数").first.wait_for(timeout=15_000)
    page.wait_for_function("() => document.querySelectorAll('.tile').length === 4", timeout=15_000)
    assert (
        query(page)
        == written
        == {
            "lang": ["zh"],
            "client": [f"{tenant.client},{tenant.other_client}"],
        }
    )
    assert page.inner_text("#client-filter") != ""  # the filter shows what the URL chose
    context.close()


def test_a_link_setting_the_board_cannot_use_is_named_on_the_board(
    page, live_server, database, tenant
):
    url = share_url(database, live_server, tenant, f"typo-{tenant.client}")
    page.goto(f"{url}&rotate=fast&queues={tenant.queue},nope", wait_until="load")
    page.locator(f"#tile-{tenant.queue}").wait_for(timeout=30_000)
    note = page.locator("#url-note")
    note.filter(has_text="nope").wait_for(timeout=15_000)
    assert "rotate=fast: use whole seconds from 5 to 3600" in note.inner_text()
    assert "queues=nope: not one you may see" in note.inner_text()
    assert page.locator(".tile").count() == 1  # the known queue is still shown
    assert query(page)["queues"] == [f"{tenant.queue},nope"]  # and the link is left as it was


def test_calls_past_the_waiting_horizon_leave_waiting_with_a_reason_on_the_feed_panel(
    client, database, settings, tenant
):
    calls = [waiting_call(tenant.queue, 30, "still"), waiting_call(tenant.queue, 120, "endless")]
    post(client, "/v1/calls", calls, tenant)
    with database.session_scope() as session:
        principal = share_principal(
            session, create_share_link(session, f"lost-{tenant.client}", tenant.client)
        )
    short = settings.model_copy(update={"waiting_horizon_s": 90})
    state = data.snapshot(database, short, principal)
    wall = WallSettings(queues=[tenant.queue])
    panels, *_ = board(state, wall, False, datetime.now(UTC))
    [live] = [live for live in state["queues"] if live["queue"] == tenant.queue]
    assert live["waiting"] == 1 and live["waiting_horizon_s"] == 90
    lines = [p.children for p in panels["feed-health"] if getattr(p, "id", None) == "lost-calls"]
    midnight = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=0, minute=0, second=0)
    if datetime.now(UTC) - timedelta(seconds=120) >= midnight:  # a lost call of today
        assert lines == [
            f"1 call with no answer or end for over 90 s — the feed may have lost its end"
            f" ({tenant.queue})"
        ]
        zh, *_ = board(
            state, WallSettings(lang="zh", queues=[tenant.queue]), False, datetime.now(UTC)
        )
        assert any("数据源可能丢失了结束记录" in str(p.children) for p in zh["feed-health"])
    else:
        assert lines == []
