"""`GET /v1/calls` by hand: each outcome, SL verdicts under each formula, tenants, paging."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import cdr, post

BASE = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
DAY = {"from": "2026-11-20", "to": "2026-11-21"}


def at(seconds: float) -> str:
    return (BASE + timedelta(seconds=seconds)).isoformat()


def ended(call_id, queue, offset, after, reason=None, **extra):
    record = cdr(call_id, queue, at(offset), gave_up_after=after, **extra)
    return record | ({"exit_reason": reason} if reason else {})


def day_of_calls(queue: str) -> list[dict]:
    """One call of each kind, offered a minute apart (T = 20 s, S = 5 s)."""
    recent = datetime.now(UTC) - timedelta(seconds=60)
    return [
        cdr("a1", queue, at(0), wait=10, talk=100, agent="ann", csat=90, resolved=True),
        cdr("a2", queue, at(60), wait=30, talk=50, agent="bob", transferred=True, csat=40),
        ended("b1", queue, 120, 10),  # abandoned within T
        ended("b2", queue, 180, 40),  # abandoned beyond T
        ended("s1", queue, 240, 2),  # short abandon (< S)
        ended("o1", queue, 300, 60, "timeout"),  # overflowed
        ended("k1", queue, 360, 0, "full"),  # blocked
        ended("cb", queue, 420, 15, "callback"),
        {"call_id": "p1", "queue": queue, "offered_at": at(480), "answered_at": at(485)},
        cdr("ob", queue, at(540), wait=3, talk=20, direction="outbound"),
        {"call_id": "w1", "queue": queue, "offered_at": recent.isoformat()},
    ]


OUTCOMES = {
    "a1": "answered",
    "a2": "answered",
    "b1": "abandoned",
    "b2": "abandoned",
    "s1": "short_abandoned",
    "o1": "overflowed",
    "k1": "blocked",
    "cb": "callback",
    "p1": "in_progress",
    "ob": "outbound",
}
# sl_met per formula, by hand (DESIGN §7); calls left out are null. p1, answered after 5 s
# and still talking, is answered within T: it counts, as in the `answered` component.
SL = {
    "abandoned_negative": {"a1": 1, "a2": 0, "b1": 0, "b2": 0, "o1": 0, "p1": 1},
    "ignore_abandoned": {"a1": 1, "a2": 0, "b2": 0, "o1": 0, "p1": 1},
    "abandoned_positive": {"a1": 1, "a2": 0, "b1": 1, "b2": 0, "o1": 0, "p1": 1},
    "answered_only": {"a1": 1, "a2": 0, "p1": 1},
}


@pytest.fixture
def loaded(client, pg, tenant):
    pg.execute("UPDATE queues SET short_abandon_s = 5 WHERE code = %s", [tenant.queue])
    calls = day_of_calls(tenant.queue)
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == len(calls)
    return tenant


def listed(client, tenant, key=None, **params):
    response = client.get(
        "/v1/calls",
        params={k: v for k, v in {"queue": tenant.queue, **DAY, **params}.items() if v},
        headers=tenant.auth(key or tenant.client_key),
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_each_call_is_listed_with_its_outcome_and_fields(client, loaded):
    body = listed(client, loaded)
    assert body["next_cursor"] is None
    rows = {r["call_id"]: r for r in body["calls"]}
    assert {k: r["outcome"] for k, r in rows.items()} == OUTCOMES  # w1 is offered today
    a1 = rows["a1"]
    assert a1 == {
        "call_id": "a1",
        "queue": loaded.queue,
        "vendor": loaded.vendor,
        "agent": "ann",
        "offered_at": "2026-11-20T10:00:00+08:00",
        "answered_at": "2026-11-20T10:00:10+08:00",
        "ended_at": "2026-11-20T10:01:50+08:00",
        "offered_estimated": False,
        "answered_estimated": False,
        "wait_s": 10.0,
        "talk_s": 100.0,
        "hold_s": 0.0,
        "acw_s": 0.0,
        "outcome": "answered",
        "sl_met": True,
        "transferred": False,
        "resolved": True,
        "csat": 90.0,
        "exit_reason": None,
    }
    assert [r["call_id"] for r in body["calls"]] == list(OUTCOMES)  # offered order
    assert rows["b2"]["wait_s"] == 40.0 and rows["p1"]["ended_at"] is None


@pytest.mark.parametrize("outcome", sorted({*OUTCOMES.values()} - {"answered"}))
def test_outcome_filter_lists_exactly_its_calls(client, loaded, outcome):
    rows = listed(client, loaded, outcome=outcome)["calls"]
    assert sorted(r["call_id"] for r in rows) == sorted(
        k for k, o in OUTCOMES.items() if o == outcome
    )


def test_answered_lists_calls_still_talking_too_as_the_component_counts_them(client, loaded):
    rows = listed(client, loaded, outcome="answered")["calls"]
    assert [r["call_id"] for r in rows] == ["a1", "a2", "p1"]


def test_waiting_is_what_the_live_view_counts_with_the_wait_so_far(client, loaded):
    today = datetime.now(UTC) - timedelta(hours=1)
    rows = listed(client, loaded, outcome="waiting", **{"from": today.isoformat(), "to": None})
    assert [r["call_id"] for r in rows["calls"]] == ["w1"]
    assert 59 <= rows["calls"][0]["wait_s"] < 600
    assert rows["calls"][0]["sl_met"] is None
    live = client.get(f"/v1/queues/{loaded.queue}/live", headers=loaded.auth(loaded.client_key))
    assert live.json()["waiting"] == 1


@pytest.mark.parametrize("formula", sorted(SL))
def test_sl_verdicts_follow_the_queue_formula(client, pg, loaded, formula):
    pg.execute("UPDATE queues SET sl_formula = %s WHERE code = %s", [formula, loaded.queue])
    rows = listed(client, loaded)["calls"]
    verdicts = {r["call_id"]: r["sl_met"] for r in rows if r["sl_met"] is not None}
    assert verdicts == {k: bool(v) for k, v in SL[formula].items()}
    for verdict, value in (("met", 1), ("missed", 0)):
        chosen = listed(client, loaded, sl=verdict)["calls"]
        assert sorted(r["call_id"] for r in chosen) == sorted(
            k for k, v in SL[formula].items() if v == value
        )


def test_other_filters(client, loaded):
    def ids(**params):
        return sorted(r["call_id"] for r in listed(client, loaded, **params)["calls"])

    assert ids(agent="bob") == ["a2"]
    assert ids(transferred="true", outcome="answered") == ["a2"]
    assert ids(resolved="true") == ["a1"]
    assert ids(csat_below=50) == ["a2"]
    assert ids(min_wait_s=30) == ["a2", "b2", "o1"]
    assert ids(vendor=loaded.vendor, outcome="blocked") == ["k1"]


def test_pages_joined_equal_one_big_page(client, loaded):
    whole = listed(client, loaded, limit=1000)["calls"]
    pages, cursor = [], None
    while True:
        body = listed(client, loaded, limit=3, **({"cursor": cursor} if cursor else {}))
        pages += body["calls"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == whole and len(whole) == len(OUTCOMES)


def test_tenants_see_only_their_own(client, tenant):
    own = [cdr(f"v{i}", tenant.shared_queue, at(i), wait=1) for i in range(2)]
    theirs = [cdr(f"w{i}", tenant.shared_queue, at(10 + i), wait=1) for i in range(3)]
    post(client, "/v1/calls", own, tenant)
    post(client, "/v1/calls", theirs, tenant, key=tenant.other_key)
    queue = {"queue": tenant.shared_queue}

    def ids(key, **params):
        return sorted(r["call_id"] for r in listed(client, tenant, key, **queue, **params)["calls"])

    assert ids(tenant.client_key) == ["v0", "v1", "w0", "w1", "w2"]
    assert ids(tenant.key) == ["v0", "v1"]  # a vendor key: its own vendor's calls
    assert ids(tenant.other_key) == ["w0", "w1", "w2"]
    assert ids(tenant.client_key, vendor=tenant.other_vendor) == ["w0", "w1", "w2"]
    widened = client.get(
        "/v1/calls",
        params={**queue, **DAY, "vendor": tenant.other_vendor},
        headers=tenant.auth(tenant.key),
    )
    assert widened.status_code == 400 and "vendor" in widened.json()["error"]
    for key, params in (
        (tenant.client_key, {"queue": tenant.foreign_queue}),
        (tenant.key, {"queue": tenant.other_queue}),
        (tenant.client_key, {"client": tenant.other_client}),
    ):
        response = client.get("/v1/calls", params={**params, **DAY}, headers=tenant.auth(key))
        assert response.status_code == 404 and "calls" not in response.json()


def test_client_scope_lists_every_visible_queue(client, tenant):
    post(client, "/v1/calls", [cdr("q1", tenant.queue, at(5), wait=1)], tenant)
    post(client, "/v1/calls", [cdr("s1", tenant.shared_queue, at(1), wait=1)], tenant)
    body = client.get(
        "/v1/calls", params={"client": tenant.client, **DAY}, headers=tenant.auth(tenant.client_key)
    ).json()
    assert [(r["call_id"], r["queue"]) for r in body["calls"]] == [
        ("s1", tenant.shared_queue),
        ("q1", tenant.queue),
    ]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"outcome": "lost_in_space"}, "outcome"),
        ({"sl": "maybe"}, "sl"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"agent": "nobody"}, "agent"),
        ({"vendor": "nobody"}, "vendor"),
        ({"min_wait_s": "-1"}, "min_wait_s"),
        ({"format": "pdf"}, "format"),
        ({"from": "2026-11-21", "to": "2026-11-20"}, "to"),
        ({"from": "2020-01-01", "to": "2026-11-20"}, "to"),
        ({"from": "yesterday"}, "from"),
    ],
)
def test_bad_input_is_400_naming_the_parameter(client, tenant, params, named):
    response = client.get(
        "/v1/calls",
        params={"queue": tenant.queue, **DAY, **params},
        headers=tenant.auth(tenant.client_key),
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith(f"{named}:")


def test_a_cursor_from_another_query_is_refused(client, loaded):
    cursor = listed(client, loaded, limit=2)["next_cursor"]
    assert cursor
    response = client.get(
        "/v1/calls",
        params={"queue": loaded.queue, **DAY, "outcome": "answered", "cursor": cursor},
        headers=loaded.auth(loaded.client_key),
    )
    assert response.status_code == 400 and response.json()["error"].startswith("cursor:")
