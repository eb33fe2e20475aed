"""Wallboards of one scope share one live state per refresh period; filters narrow the read.

Each test reads the tenant's own queues from the real database: `queue` (vendor v only),
`shared_queue` (v and w), `other_queue` (w only) of `client`, and `foreign_queue` of
`other_client` (v).
"""

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from app.access.keys import principal_for
from app.access.users import create_share_link, share_principal
from app.kpi.live_cache import SharedStates
from dashboards import data
from dashboards.data import Chosen
from tests.clocks import HandClock
from tests.dashboards.test_wallboard import waiting_call
from tests.factories import post

MOMENTS = {"as_of", "longest_wait_s", "in_state_s", "age_s", "oldest_pending_s"}  # of "now"


def timeless(value):
    """The state without what depends on the moment it was read (the same answer otherwise)."""
    if isinstance(value, dict):
        return {k: timeless(v) for k, v in value.items() if k not in MOMENTS}
    if isinstance(value, list):
        return [timeless(v) for v in value]
    return value


def principals(database, tenant):
    """A TV of the client, another TV of the client, a TV of the other client, the vendor's key."""
    with database.session_scope() as session:
        tvs = [
            share_principal(session, create_share_link(session, f"{name}-{tenant.client}", code))
            for name, code in (("tv1", tenant.client), ("tv2", tenant.client))
        ]
        other = share_principal(
            session, create_share_link(session, f"tv-{tenant.other_client}", tenant.other_client)
        )
        vendor = principal_for(session, tenant.key)
    return tvs, other, vendor


def codes(state) -> list[str]:
    return [live["queue"] for live in state["queues"]]


def test_the_shared_state_is_the_answer_a_fresh_read_gives(client, database, settings, tenant):
    post(client, "/v1/calls", [waiting_call(tenant.queue, 30, "w1")], tenant)
    at = (datetime.now(UTC) - timedelta(seconds=60)).isoformat()
    agent = {"agent": "a1", "state": "talking", "at": at, "queues": [tenant.queue]}
    post(client, "/v1/agent-events", [agent], tenant)
    [tv, _], _, _ = principals(database, tenant)
    states: SharedStates[dict] = SharedStates(ttl_s=5, max_entries=8)
    shared = data.shared_snapshot(states, database, settings, tv, Chosen())
    fresh = data.snapshot(database, settings, tv)
    assert timeless(shared) == timeless(fresh)
    [live] = [live for live in shared["queues"] if live["queue"] == tenant.queue]
    assert live["waiting"] == 1 and [a["agent"] for a in live["agents"]] == ["a1"]


def test_a_viewer_of_another_scope_never_gets_it(database, settings, tenant):
    [tv, tv_too], other, vendor = principals(database, tenant)
    states: SharedStates[dict] = SharedStates(ttl_s=60, max_entries=8)
    mine = data.shared_snapshot(states, database, settings, tv, Chosen())
    assert codes(mine) == sorted([tenant.queue, tenant.shared_queue, tenant.other_queue])
    # another screen with the same rights (another link of the same client) shares it
    assert data.shared_snapshot(states, database, settings, tv_too, Chosen()) is mine
    theirs = data.shared_snapshot(states, database, settings, other, Chosen())
    assert codes(theirs) == [tenant.foreign_queue]
    served = data.shared_snapshot(states, database, settings, vendor, Chosen())
    assert tenant.other_queue not in codes(served)  # not the vendor's queue
    assert tenant.foreign_queue in codes(served)  # another client's queue it serves
    assert served["options"]["vendor"] == [tenant.vendor]  # only its own feed
    assert {feed["vendor"] for live in served["queues"] for feed in live["feeds"]} == {
        tenant.vendor
    }
    # the same client id under another kind of principal is another scope
    admin_like = replace(tv, kind="admin")
    assert data.shared_snapshot(states, database, settings, admin_like, Chosen()) is not mine
    assert states.computations == 4


def test_the_filters_narrow_the_read_and_keep_every_option(database, settings, tenant):
    [tv, _], _, vendor = principals(database, tenant)
    states: SharedStates[dict] = SharedStates(ttl_s=60, max_entries=8)
    everything = data.shared_snapshot(states, database, settings, vendor, Chosen())
    one_client = data.shared_snapshot(
        states, database, settings, vendor, Chosen.of([tenant.other_client], [], [])
    )
    assert codes(one_client) == [tenant.foreign_queue]
    assert one_client["options"] == everything["options"]  # the other codes stay choosable
    by_vendor = data.snapshot(database, settings, tv, Chosen.of([], [tenant.other_vendor], []))
    assert codes(by_vendor) == sorted([tenant.shared_queue, tenant.other_queue])
    by_queue = data.snapshot(database, settings, tv, Chosen.of([], [], [tenant.queue, "nope"]))
    assert codes(by_queue) == [tenant.queue]
    assert Chosen.of(["b", "a", "b"], [], []) == Chosen.of(["a", "b"], [], [])  # one key


def test_many_screens_at_once_compute_the_state_once(database, settings, tenant):
    [tv, _], _, _ = principals(database, tenant)
    states: SharedStates[dict] = SharedStates(ttl_s=60, max_entries=8)
    start = threading.Barrier(16)
    got: list[dict] = []

    def screen() -> None:
        start.wait()
        got.append(data.shared_snapshot(states, database, settings, tv, Chosen()))

    threads = [threading.Thread(target=screen) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert states.computations == 1
    assert len(got) == 16 and all(state is got[0] for state in got)


def test_the_shared_state_expires_after_its_period(client, database, settings, tenant):
    [tv, _], _, _ = principals(database, tenant)
    clock = HandClock()
    states: SharedStates[dict] = SharedStates(ttl_s=0.9, max_entries=8, clock=clock)
    chosen = Chosen.of([], [], [tenant.queue])

    def waiting() -> int:
        return data.shared_snapshot(states, database, settings, tv, chosen)["queues"][0]["waiting"]

    assert waiting() == 0
    post(client, "/v1/calls", [waiting_call(tenant.queue, 5, "late")], tenant)
    assert waiting() == 0  # within the period: the state already computed
    clock.now += 0.9
    assert waiting() == 1 and states.computations == 2
