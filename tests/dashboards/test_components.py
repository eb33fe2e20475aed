"""Wallboard pieces as pure functions: rotation, formatting, target colours with icons."""

from dash import no_update

from dashboards.components import judged, mmss, percent, status
from dashboards.i18n import WORDS
from dashboards.wallboard import (
    agents_of,
    chosen,
    filter_options,
    freshest_feeds,
    rotation,
    unchanged_as_no_update,
)


def test_tv_rotates_queue_groups_every_15_seconds():
    queues = list(range(10))
    assert rotation(queues, 0) == [0, 1, 2, 3]
    assert rotation(queues, 14.9) == [0, 1, 2, 3]
    assert rotation(queues, 15) == [4, 5, 6, 7]
    assert rotation(queues, 30) == [8, 9]
    assert rotation(queues, 45) == [0, 1, 2, 3]
    assert rotation([], 99) == []


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
    assert filter_options(lives) == {
        "client": ["acme", "globex"],
        "vendor": ["va", "vb"],
        "queue": ["a-1", "a-2", "g-1"],
    }
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
    first = unchanged_as_no_update(["x", [1, 2]], ["a", "b"], {})
    assert first[:2] == ["x", [1, 2]]
    second = unchanged_as_no_update(["x", [1, 3]], ["a", "b"], first[2])
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
