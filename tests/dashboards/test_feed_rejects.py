"""The feed-health dot shows the vendor's records rejected today: amber with ▲, and where to
see them in its tooltip, in English and Chinese."""

from datetime import UTC, datetime

from app.access.users import create_share_link
from dashboards.components import feed_health
from dashboards.wall_url import WallSettings
from dashboards.wall_view import rejected_today
from dashboards.wallboard import board
from tests.dashboards.test_wall_page import NOON, board_state, live_queue
from tests.rejects.helpers import seed


def feed(vendor: str, rejected: int, no_client: int = 0) -> dict:
    return {
        "vendor": vendor,
        "last_record_at": None,
        "age_s": 3.0,
        "rejected_today": rejected,
        "rejected_today_no_client": no_client,
    }


def test_rejections_are_summed_over_clients_and_those_of_no_client_counted_once():
    lives = [
        live_queue("a-1", client="acme", feeds=[feed("va", 5, 2), feed("vb", 0)]),
        live_queue("a-2", client="acme", feeds=[feed("va", 5, 2)]),  # same client: once
        live_queue("g-1", client="globex", feeds=[feed("va", 3, 2), feed("vb", 4)]),
    ]
    # va: acme 3 + globex 1 of their own, and 2 with no client; vb: globex 4
    assert rejected_today(lives, None) == {"va": 6, "vb": 4}
    assert rejected_today(lives, ["vb"]) == {"vb": 4}


def test_the_dot_turns_amber_with_a_count_and_a_tooltip_saying_where_to_look():
    dots = feed_health({"va": 3.0, "vb": 12.0}, "en", None, {"va": 2})
    va, vb = dots
    assert va.children == "● va last record 3 s ago · ▲ 2 rejected today"
    assert va.className == "feed fresh rejects" and va.id == "feed-dot-va"
    assert va.title == (
        "2 records of va rejected today: see them with GET /v1/rejected?vendor=va"
        " or `callpulse rejects list --vendor va`"
    )
    assert (vb.children, vb.className) == ("● vb last record 12 s ago", "feed fresh")
    assert vb.title == "no records of vb rejected today"
    [zh] = feed_health({"va": None}, "zh", None, {"va": 7})
    assert zh.children == "● va 最近记录 暂无数据 · ▲ 今日拒收 7 条"
    assert zh.className == "feed stale rejects" and zh.title.startswith("va 今日有 7 条记录被拒收")


def test_the_board_passes_the_counts_to_the_dot():
    state = board_state([live_queue(feeds=[feed("vendor-a", 4)])])
    panels, *_ = board(state, WallSettings(), False, NOON)
    [dot] = panels["feed-health"]
    assert dot.children.endswith("· ▲ 4 rejected today")


def test_the_wallboard_shows_todays_rejections_on_the_dot(page, live_server, database, pg, tenant):
    now = datetime.now(UTC).isoformat()
    seed(
        pg,
        tenant,
        {
            "a": ("v", "c", "calls", now, ["queue: x"], "1"),
            "b": ("v", "c", "calls", now, ["queue: y"], "2"),
            "n": ("v", None, "calls", now, ["queue: z"], "3"),  # no client: not on its board
        },
    )
    with database.session_scope() as session:
        token = create_share_link(session, f"rejects-{tenant.client}", tenant.client)
    for lang, text, tip in (
        ("en", "▲ 2 rejected today", "2 records of"),
        ("zh", "▲ 今日拒收 2 条", f"{tenant.vendor} 今日有 2 条记录被拒收"),
    ):
        page.goto(f"{live_server}/wall/?token={token}&lang={lang}", wait_until="load")
        dot = page.locator(f"#feed-dot-{tenant.vendor}")
        dot.wait_for(timeout=15_000)
        assert dot.inner_text().endswith(text)
        assert "rejects" in dot.get_attribute("class")
        assert dot.get_attribute("title").startswith(tip)
        color = dot.evaluate("e => getComputedStyle(e).color")
        assert color == "rgb(230, 159, 0)"  # Okabe–Ito orange, as the stale dot
        other = page.locator(f"#feed-dot-{tenant.other_vendor}")  # serves it, no rejections
        assert "rejects" not in other.get_attribute("class")
