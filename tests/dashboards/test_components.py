"""Wallboard pieces as pure functions: rotation, formatting, target colours with icons, the
settings a link holds, comparisons with thresholds, lost calls, timezones."""

import urllib.parse
from datetime import UTC, datetime

from dash import no_update
from hypothesis import given
from hypothesis import strategies as st

from app.alerts.evaluator import COMPARE
from dashboards.alerts_view import alert_count, versus
from dashboards.components import feed_health, judged, mmss, percent, status
from dashboards.i18n import WORDS
from dashboards.wall_url import LANGUAGES, WallSettings, after, from_search, to_search
from dashboards.wall_view import (
    agents_of,
    board_zone,
    chosen,
    clock,
    fingerprints,
    freshest_feeds,
    lost_calls,
    rotation,
    time_of_day,
    unchanged_as_no_update,
    unknown_filters,
)
from dashboards.wallboard import url_note, with_chosen


def test_tv_rotates_queue_groups_every_15_seconds_or_as_the_link_says():
    queues = list(range(10))
    assert rotation(queues, 0) == [0, 1, 2, 3]  # 10 queues: 4, 3 and 3 at a time
    assert rotation(queues, 14.9) == [0, 1, 2, 3]
    assert rotation(queues, 15) == [4, 5, 6]
    assert rotation(queues, 30) == [7, 8, 9]
    assert rotation(queues, 45) == [0, 1, 2, 3]
    assert rotation([], 99) == []
    assert rotation(queues, 19, every_s=20) == [0, 1, 2, 3]  # a link's rotate=20
    assert rotation(queues, 20, every_s=20) == [4, 5, 6]
    assert [rotation(list(range(5)), t) for t in (0, 15)] == [[0, 1, 2], [3, 4]]  # not 4 + 1
    assert [rotation(list(range(8)), t) for t in (0, 15)] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_target_status_never_relies_on_colour_alone():
    sl = {"min": 0.80, "max": None}
    assert status(0.85, sl, 0.05) == ("met", "✓")
    assert status(0.80, sl, 0.05) == ("met", "✓")
    assert status(0.77, sl, 0.05) == ("warn", "◆")
    assert status(0.70, sl, 0.05) == ("breach", "✗")
    assert status(None, sl, 0.05) == ("neutral", "")
    aht = {"min": 180.0, "max": 300.0}  # a range: too short is as wrong as too long
    assert [status(v, aht, 30)[0] for v in (149, 170, 240, 320, 331)] == [
        "breach",
        "warn",
        "met",
        "warn",
        "breach",
    ]


def test_each_kpi_is_judged_against_the_queues_own_target():
    targets = {"service_level": {"min": 0.9}, "asa_s": {"max": 20.0}, "abandon_rate": {"max": 0.05}}
    assert judged("service_level", 0.88, targets) == ("warn", "◆")  # 2 points under: amber
    assert judged("asa_s", 21.5, targets) == ("warn", "◆")  # within 10 % of 20 s
    assert judged("asa_s", 23, targets) == ("breach", "✗")
    assert judged("abandon_rate", 0.04, targets) == ("met", "✓")
    assert judged("aht_s", 999, targets) == ("neutral", "")  # no target: no judgement


def live(queue, client, vendors, agents=()):
    return {
        "queue": queue,
        "client": client,
        "feeds": [{"vendor": v, "age_s": age} for v, age in vendors],
        "agents": [{"agent": a, "vendor": v, "in_state_s": s} for a, v, s in agents],
    }


def test_filters_by_client_vendor_and_queue():
    lives = [
        live("a-1", "acme", [("va", 3.0)]),
        live("a-2", "acme", [("va", 9.0), ("vb", None)]),
        live("g-1", "globex", [("vb", 40.0)]),
    ]
    assert [q["queue"] for q in chosen(lives, ["acme"], None, None)] == ["a-1", "a-2"]
    assert [q["queue"] for q in chosen(lives, None, ["vb"], None)] == ["a-2", "g-1"]
    assert [q["queue"] for q in chosen(lives, ["acme"], ["vb"], ["a-1"])] == []
    assert freshest_feeds(lives, None) == {"va": 3.0, "vb": 40.0}
    assert freshest_feeds(lives, ["vb"]) == {"vb": 40.0}


def test_agents_are_listed_once_longest_in_state_first():
    lives = [
        live("q1", "c", [], [("a1", "va", 10), ("a2", "va", 90)]),
        live("q2", "c", [], [("a1", "va", 10), ("a1", "vb", 50)]),  # a1 of vb is another person
    ]
    assert [(a["agent"], a["vendor"]) for a in agents_of(lives, None)] == [
        ("a2", "va"),
        ("a1", "vb"),
        ("a1", "va"),
    ]
    assert [a["vendor"] for a in agents_of(lives, ["vb"])] == ["vb"]


def test_only_changed_panels_are_sent_again():
    first = unchanged_as_no_update(["x", [1, 2]], fingerprints(["x", [1, 2]], ["a", "b"]), {})
    assert first[:2] == ["x", [1, 2]]
    prints = fingerprints(["x", [1, 3]], ["a", "b"])
    second = unchanged_as_no_update(["x", [1, 3]], prints, first[2])
    assert second[0] is no_update and second[1] == [1, 3]
    assert second[2]["a"] == first[2]["a"] and second[2]["b"] != first[2]["b"]


def test_formats_and_both_languages_have_every_word():
    assert (mmss(125.4), mmss(None), percent(0.8125), percent(None)) == (
        "02:05",
        "--:--",
        "81.2 %",
        "—",
    )
    assert WORDS["en"].keys() == WORDS["zh"].keys()


def test_longest_wait_of_an_hour_or_more_shows_hours():
    assert mmss(6958) == "1:55:58"  # not 115:58
    assert (mmss(3599.4), mmss(3599.6), mmss(36000)) == ("59:59", "1:00:00", "10:00:00")


def test_a_tv_link_holds_mode_language_filters_rotation_and_timezone():
    search = "?token=cps_x&tv=1&lang=zh&client=acme,globex&vendor=va&queues=a,b&rotate=20"
    wall = from_search(search + "&tz=Asia/Shanghai")
    assert (wall.tv, wall.lang, wall.clients, wall.vendors, wall.queues) == (
        True,
        "zh",
        ["acme", "globex"],
        ["va"],
        ["a", "b"],
    )
    assert (wall.rotate_s, wall.tz, wall.problems) == (20, "Asia/Shanghai", [])
    assert to_search(wall, search) == search + "&tz=Asia/Shanghai"  # the token stays first
    assert from_search("?queues=a&queues=b,a") == WallSettings(queues=["a", "b"])
    assert to_search(WallSettings(), "?token=t") == "?token=t&lang=en"


def test_settings_a_board_cannot_use_are_named_not_kept():
    wall = from_search("?tv=yes&lang=fr&rotate=2&tz=Mars/Base")
    assert (wall.tv, wall.lang, wall.rotate_s, wall.tz) == (False, "en", 15, None)
    assert [p[0] for p in wall.problems] == ["tv", "lang", "rotate", "tz"]
    note = url_note(wall.problems, "zh")
    assert note.startswith("链接参数已忽略：") and "rotate=2: 请用 5 到 3600 之间的整数秒" in note
    options = {"client": ["acme"], "vendor": ["va"], "queue": ["a"]}
    unknown = from_search("?client=acme,nope&queues=zz")
    assert unknown_filters(unknown, options) == [
        ["client", "nope", "url_unknown"],
        ["queues", "zz", "url_unknown"],
    ]
    # a chosen code stays among the filter's options, so the control does not drop it
    assert with_chosen(options, unknown)["client"] == ["acme", "nope"]


codes = st.lists(st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1), max_size=4)


@given(
    tv=st.booleans(),
    lang=st.sampled_from(LANGUAGES),
    clients=codes,
    vendors=codes,
    queues=codes,
    rotate_s=st.integers(5, 3600),
    tz=st.sampled_from([None, "Asia/Shanghai", "Europe/Berlin", "America/New_York"]),
    token=st.text(min_size=1),
)
def test_a_board_written_into_its_url_reads_back_the_same(
    tv, lang, clients, vendors, queues, rotate_s, tz, token
):
    wall = WallSettings(
        tv, lang, *(list(dict.fromkeys(c)) for c in (clients, vendors, queues)), rotate_s, tz
    )
    search = to_search(wall, urllib.parse.urlencode({"token": token}))
    assert from_search(search) == wall
    assert urllib.parse.parse_qs(search[1:])["token"] == [token]


def test_controls_write_the_url_and_the_url_sets_the_controls():
    read, written = after(None, "?token=t&tv=1&lang=zh&client=acme", None, None, None, None)
    assert (read.tv, read.lang, read.clients, written) == (True, "zh", ["acme"], None)
    wall, written = after("lang-toggle", "?token=t&tv=1&lang=zh&client=acme", read.data(), None)
    assert (wall.lang, written) == ("en", "?token=t&tv=1&lang=en&client=acme")
    wall, written = after("tv-toggle", written, wall.data())
    assert written == "?token=t&lang=en&client=acme"
    wall, written = after("vendor-filter", written, wall.data(), ["acme"], ["va", "vb"], [])
    assert written == "?token=t&lang=en&client=acme&vendor=va,vb"
    assert after("url", written, None)[0] == wall
    assert WallSettings.of({**wall.data(), "extra": 1}) == wall  # the browser sent it back
    assert WallSettings.of(None) == WallSettings.of("junk") == WallSettings()


def test_a_value_at_its_threshold_never_reads_as_a_false_comparison():
    assert versus("service_level", 0.7996, "<", 0.8, "en") == "79.96 % < 80.00 %"
    assert versus("service_level", 0.8, "<=", 0.8, "en") == "80.0 % (at the threshold)"
    assert versus("service_level", 0.7, "<", 0.8, "zh") == "70.0 % < 80.0 %"
    # still open until it clears by a margin, but no longer below: say so
    assert versus("service_level", 0.81, "<", 0.8, "en") == (
        "81.0 % > 80.0 % (recovering, still open)"
    )
    assert versus("asa_s", 20.4, ">", 20, "en") == "20.4 s > 20.0 s"


@given(
    value=st.floats(0, 1, allow_nan=False),
    threshold=st.floats(0, 1, allow_nan=False),
    op=st.sampled_from(["<", "<=", ">", ">="]),
    metric=st.sampled_from(["service_level", "asa_s", "surge"]),
)
def test_a_comparison_shown_is_true_of_the_numbers_shown(value, threshold, op, metric):
    text = versus(metric, value, op, threshold, "en")
    for relation in ("<=", ">=", "<", ">"):
        if f" {relation} " in text:
            left, right = text.split(f" {relation} ")
            right = right.removesuffix(" (recovering, still open)")
            assert left != right
            assert COMPARE[relation](value, threshold)
            break
    else:
        assert text.endswith("(at the threshold)")


def test_the_alert_count_counts_only_alerts_to_acknowledge():
    alerts = [{"state": "open"}, {"state": "acknowledged"}, {"state": "acknowledged"}]
    count = alert_count(alerts, "en")
    assert count.children == "⚠ 1 alert to acknowledge · 2 acknowledged, still open"
    assert "open" in count.className.split()
    assert alert_count(alerts[1:], "zh").children == "⚠ 0 条告警待确认 · 2 条已确认、尚未解除"
    assert alert_count(alerts[1:], "zh").className == "alert-count"


def test_calls_past_the_waiting_horizon_are_named_on_the_feed_health_panel():
    lives = [
        {"queue": "q1", "lost_calls_today": 2, "waiting_horizon_s": 14400},
        {"queue": "q2", "lost_calls_today": 0, "waiting_horizon_s": 14400},
        {"queue": "q3", "lost_calls_today": 1, "waiting_horizon_s": 14400},
    ]
    lost = lost_calls(lives)
    assert lost == {"count": 3, "horizon_s": 14400, "queues": ["q1", "q3"]}
    assert lost_calls(lives[1:2]) is None
    [line] = [
        d for d in feed_health({"va": 3.0}, "en", lost) if getattr(d, "id", None) == "lost-calls"
    ]
    assert line.children == (
        "3 calls with no answer or end for over 4 h — the feed may have lost their end (q1, q3)"
    )
    [line] = [
        d
        for d in feed_health({}, "zh", {**lost, "horizon_s": 90})
        if getattr(d, "id", None) == "lost-calls"
    ]
    assert line.children.startswith("3 通电话超过 90 秒无接通或结束记录——数据源可能丢失了结束记录")


def test_a_board_mixing_timezones_labels_its_times():
    lives = [{"timezone": "Asia/Shanghai"}, {"timezone": "Europe/Berlin"}]
    now = datetime(2026, 11, 29, 12, 0, 5, tzinfo=UTC)
    assert clock(lives, None, now) == "20:00:05 Asia/Shanghai · 13:00:05 Europe/Berlin"
    assert clock(lives, "Asia/Shanghai", now) == "20:00:05 Asia/Shanghai"
    assert clock(lives[:1], None, now) == "20:00:05 Asia/Shanghai"
    assert board_zone(lives, None) is None and board_zone(lives[1:], None) == "Europe/Berlin"
    opened = "2026-11-29T20:03:00+08:00"
    assert time_of_day(opened, None, "Asia/Shanghai") == "20:03 Asia/Shanghai"
    assert time_of_day(opened, "Europe/Berlin", "Asia/Shanghai") == "13:03"
