"""Wallboard pieces as pure functions: rotation, formatting, target colours with icons."""

from dashboards.components import mmss, percent, status
from dashboards.i18n import WORDS
from dashboards.wallboard import rotation


def test_tv_rotates_queue_groups_every_15_seconds():
    queues = list(range(14))
    assert rotation(queues, 0) == [0, 1, 2, 3, 4, 5]
    assert rotation(queues, 14.9) == [0, 1, 2, 3, 4, 5]
    assert rotation(queues, 15) == [6, 7, 8, 9, 10, 11]
    assert rotation(queues, 30) == [12, 13]
    assert rotation(queues, 45) == [0, 1, 2, 3, 4, 5]
    assert rotation([], 99) == []


def test_target_status_never_relies_on_colour_alone():
    assert status(0.85, 0.80) == ("met", "▲")
    assert status(0.77, 0.80) == ("warn", "◆")
    assert status(0.70, 0.80) == ("breach", "▼")
    assert status(None, 0.80) == ("neutral", "·")


def test_formats_and_both_languages_have_every_word():
    assert (mmss(125.4), mmss(None), percent(0.8125), percent(None)) == (
        "02:05",
        "--:--",
        "81.2 %",
        "—",
    )
    assert WORDS["en"].keys() == WORDS["zh"].keys()
