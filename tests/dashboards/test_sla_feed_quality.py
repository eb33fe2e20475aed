"""The SLA page's feed-quality section, in a real browser, in English and Chinese."""

from app.core.formats import value_text
from dashboards.sla.feed_quality import feed_quality_block
from tests.contracts.helpers import apply, contract_entry
from tests.dashboards.conftest import ARTIFACTS
from tests.dashboards.test_sla_page import log_in, text, user, wait_text
from tests.quality.helpers import make_feed_tenant
from tests.quality.test_sla_section import SUNDAY, dst_calls

FEED = {
    "vendor": "va",
    "accepted": 1200,
    "duplicates": 3,
    "rejected": 2,
    "rejected_by_reason": {"offered_at": 2},
    "lateness_p50_s": 4,
    "lateness_p95_s": 70,
    "lateness_max_s": 3725,
    "unended_calls": 0,
    "service_intervals": 16,
    "silent_intervals": 0,
    "silent_by_queue": {},
}


def test_the_block_words_each_figure_with_its_unit():
    block = feed_quality_block({"feed_quality": [FEED]}, "en")
    cells = {td.className: td.children for td in block.children[0].children[1].children[0].children}
    assert cells["accepted"] == "1,200"
    assert cells["reasons"] == "offered_at 2"
    assert cells["lateness-p95"] == value_text(70, "s")
    assert cells["silent"] == "0 / 16"  # no ✗: nothing silent
    assert cells["unended"] == "0"


def test_the_page_shows_the_feed_quality_beside_the_kpis(client, page, live_server, database):
    feed = make_feed_tenant(database)
    apply(database, contract_entry(feed, valid_from="2026-01-01", valid_to="2099-12-31"))
    answer = client.post("/v1/calls", json=dst_calls(feed.queue), headers=feed.auth(feed.key))
    assert answer.json()["accepted"] == 3
    user(database, f"fq-{feed.client}", "client", client_code=feed.client)
    log_in(page, live_server, f"fq-{feed.client}", f"/sla/?period={SUNDAY}")
    wait_text(page, "#period-range", SUNDAY)
    row = f"#feed-quality-{feed.vendor}"
    page.locator(row).wait_for(timeout=15_000)
    assert text(page, f"{row} .silent") == "13 / 16 ✗"
    assert text(page, f"{row} .unended") == "1 ✗"
    assert text(page, f"{row} .accepted") == "0"
    assert text(page, "#feed-quality h2") == "Feed quality"
    page.click("#lang-toggle")
    wait_text(page, "#feed-quality h2", "数据接入质量", timeout=30_000)
    assert "服务时段内无数据时段" in page.locator("#feed-quality-table thead").inner_text()
    page.screenshot(path=str(ARTIFACTS / "sla-feed-quality-zh.png"), full_page=True)
