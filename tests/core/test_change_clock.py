"""Versions of each client's data, as a process heard them, and waits for newer ones."""

import asyncio
import threading

from app.core.change_clock import DRAW_SHARE, ChangeClock
from tests.apart import run_apart
from tests.clocks import HandClock


def test_a_change_moves_its_clients_version_and_the_whole_one_only():
    clock = HandClock(1_000.0)
    versions = ChangeClock(clock=clock)
    assert versions.version(1) == versions.version(2) == versions.version(None) == 0
    versions.heard("ingest", 1)
    assert versions.version(1) == 1_000_000 and versions.version(2) == 0
    assert versions.version(None) == 1_000_000
    versions.heard("stats", 1)  # within the same millisecond: still newer
    assert versions.version(1) == 1_000_001
    clock.now += 0.5
    versions.heard(None, None)  # anything may have changed
    assert versions.version(1) == versions.version(2) == versions.version(None) == 1_000_500


def test_versions_are_times_so_replicas_that_heard_the_same_changes_agree():
    first, second = ChangeClock(clock=HandClock(1_000.0)), ChangeClock(clock=HandClock(1_000.0))
    for versions in (first, second):
        versions.heard("ingest", 3)
    assert first.version(3) == second.version(3)


def test_a_wait_returns_at_once_when_newer_when_heard_and_else_at_its_timeout():
    versions = ChangeClock(clock=HandClock(1_000.0))
    versions.heard("ingest", 1)
    seen = versions.version(1)

    async def scenario() -> tuple[int, int, int]:
        at_once = await versions.newer(1, seen - 1, timeout_s=5)
        assert versions.told(1) == seen  # what a tick's refresh now reads
        other = threading.Timer(0.05, versions.heard, ("ingest", 2))  # another client
        mine = threading.Timer(0.2, versions.heard, ("ingest", 1))
        other.start()
        mine.start()
        woken = await versions.newer(1, seen, timeout_s=10)
        timed_out = await versions.newer(1, woken, timeout_s=0.1)
        return at_once, woken, timed_out

    at_once, woken, timed_out = run_apart(scenario())
    assert at_once == seen
    assert woken > seen
    assert timed_out == woken  # nothing newer: the version it already had


def test_a_viewer_of_every_client_wakes_on_any_change():
    versions = ChangeClock(clock=HandClock(1_000.0))

    async def scenario() -> int:
        threading.Timer(0.05, versions.heard, ("stats", 9)).start()
        return await versions.newer(None, 0, timeout_s=10)

    assert run_apart(scenario()) > 0


def test_changes_after_the_first_are_told_once_the_gap_passed_and_all_together():
    versions = ChangeClock(gap_s=0.3)

    async def scenario() -> tuple[int, list[int], float]:
        loop = asyncio.get_running_loop()
        versions.heard("ingest", 1)
        first = await versions.newer(1, 0, timeout_s=5)  # after a quiet spell: at once
        told_at = loop.time()
        versions.heard("ingest", 1)
        versions.heard("stats", 1)
        screens = await asyncio.gather(*(versions.newer(1, first, timeout_s=5) for _ in range(3)))
        return first, screens, loop.time() - told_at

    first, screens, waited = run_apart(scenario())
    assert screens == [screens[0]] * 3 and screens[0] > first  # the newest, to every screen
    assert screens[0] == versions.version(1)
    assert waited >= 0.3 * 0.99


def test_a_client_whose_drawing_takes_long_is_told_less_often():
    versions = ChangeClock(gap_s=0.15)
    assert versions.gap(1) == versions.gap(2) == 0.15
    versions.drawn(1, 0.01)  # a few queues: the gap holds
    versions.drawn(2, 0.06)  # hundreds of queues: at most DRAW_SHARE of the interpreter
    assert versions.gap(1) == 0.15 and versions.gap(2) == 0.06 / DRAW_SHARE == 0.4

    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        versions.heard("ingest", 2)
        first = await versions.newer(2, 0, timeout_s=5)
        told_at = loop.time()
        versions.heard("ingest", 2)
        await versions.newer(2, first, timeout_s=5)
        return loop.time() - told_at

    assert run_apart(scenario()) >= 0.4 * 0.99
