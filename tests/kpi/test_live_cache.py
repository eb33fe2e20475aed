"""Shared live states: one computation per key and period, whoever asks and however many."""

import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.kpi.live_cache import SharedStates
from tests.clocks import HandClock


def test_concurrent_requests_for_one_key_compute_the_state_once():
    states: SharedStates[dict] = SharedStates(ttl_s=5, max_entries=8)
    computed = []
    start = threading.Barrier(20)
    got: list[dict] = []

    def compute() -> dict:
        computed.append(1)
        time.sleep(0.2)  # the others arrive while it runs, and wait for it
        return {"waiting": 3}

    def viewer() -> None:
        start.wait()
        got.append(states.get(("share", 7, None), compute))

    threads = [threading.Thread(target=viewer) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(computed) == 1 and states.computations == 1
    assert len(got) == 20 and all(state is got[0] for state in got)


def test_a_state_serves_its_period_then_is_computed_again():
    clock = HandClock()
    states: SharedStates[int] = SharedStates(ttl_s=0.9, max_entries=8, clock=clock)
    count = iter(range(1, 100))
    assert states.get("k", lambda: next(count)) == 1
    clock.now += 0.89
    assert states.get("k", lambda: next(count)) == 1  # within the period: the same answer
    clock.now += 0.01
    assert states.get("k", lambda: next(count)) == 2  # 0.9 s after it began: a new one
    assert states.computations == 2


def test_a_key_never_gets_another_keys_state():
    states: SharedStates[str] = SharedStates(ttl_s=10, max_entries=8)
    assert states.get(("client", 1, None), lambda: "client 1") == "client 1"
    assert states.get(("client", 2, None), lambda: "client 2") == "client 2"
    assert states.get(("vendor", None, 1), lambda: "vendor 1") == "vendor 1"
    assert states.get(("client", 1, None), lambda: "recomputed") == "client 1"


def test_entries_are_bounded_and_expired_ones_dropped():
    clock = HandClock()
    states: SharedStates[str] = SharedStates(ttl_s=1, max_entries=2, clock=clock)
    for key in "abc":
        states.get(key, lambda key=key: key)
    assert len(states) == 2  # the oldest went
    assert states.get("a", lambda: "a again") == "a again"
    clock.now += 1
    states.get("d", lambda: "d")
    assert len(states) == 1  # every expired one dropped as a new key came in


def test_a_failed_computation_is_not_kept_and_clear_forgets_everything():
    states: SharedStates[str] = SharedStates(ttl_s=10, max_entries=8)

    def fail() -> str:
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        states.get("k", fail)
    assert states.get("k", lambda: "ok") == "ok"
    states.clear()
    assert len(states) == 0 and states.get("k", lambda: "new") == "new"


@given(st.lists(st.tuples(st.sampled_from("abc"), st.floats(0, 1.5)), max_size=40))
def test_every_answer_is_its_keys_own_and_no_older_than_the_period(steps):
    clock = HandClock()
    states: SharedStates[tuple[str, float]] = SharedStates(ttl_s=1, max_entries=8, clock=clock)
    last: dict[str, float] = {}  # a model: when each key's state was computed
    for key, wait in steps:
        clock.now += wait
        got_key, began = states.get(key, lambda key=key: (key, clock.now))
        assert got_key == key and clock.now - began < 1
        if key not in last or clock.now - last[key] >= 1:
            last[key] = clock.now
        assert began == last[key]


def test_newer_data_makes_a_new_state_within_the_period():
    clock = HandClock()
    states: SharedStates[int] = SharedStates(ttl_s=0.9, max_entries=8, clock=clock)
    count = iter(range(1, 100))
    assert states.get("k", lambda: next(count), version=5) == 1
    clock.now += 0.3
    assert states.get("k", lambda: next(count), version=5) == 1  # same data: the same state
    assert states.get("k", lambda: next(count), version=4) == 1  # a replica that lags
    assert states.get("k", lambda: next(count), version=6) == 2  # newer data: at once
    assert states.get("k", lambda: next(count), version=6) == 2
    assert states.computations == 2
