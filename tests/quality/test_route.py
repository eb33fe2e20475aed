"""`GET /v1/feeds/quality`: unended calls and silent service intervals by hand across the
Berlin fall-back day, scoping per key, and bad input named."""

import pytest

from tests.factories import cdr
from tests.quality.helpers import ago, make_feed_tenant, quality

FALL_BACK = {"from": "2026-10-24", "to": "2026-10-26"}  # Sat, and Sun 25 h long in Berlin


@pytest.fixture
def feed(database):
    return make_feed_tenant(database)


def _post(client, feed, calls, key=None):
    response = client.post("/v1/calls", json=calls, headers=feed.auth(key or feed.key))
    assert response.status_code == 200, response.text
    return response.json()


def test_unended_calls_and_silent_intervals_across_a_dst_change(client, feed):
    # The queue is open Sundays 01:00-04:00 Berlin: on 2026-10-25 that is 23:00 UTC (the
    # 24th) to 03:00 UTC, 4 hours: 16 intervals. Calls in 3 of them: 13 silent.
    calls = [
        cdr("c1", feed.queue, "2026-10-24T23:05:00+00:00", wait=5, talk=60),
        cdr("c2", feed.queue, "2026-10-24T23:30:00+00:00", wait=10, talk=1) | {"ended_at": None},
        cdr("c3", feed.queue, "2026-10-25T02:50:00+00:00", gave_up_after=20),
        cdr("c4", feed.queue, ago(60)),  # waiting now: within the horizon, not unended
    ]
    calls[1].pop("ended_at")
    assert _post(client, feed, calls)["accepted"] == 4
    answer = quality(client, feed.client_key, client=feed.client, **FALL_BACK)
    assert answer.status_code == 200, answer.text
    rows = {(r["vendor"], r["date"]): r for r in answer.json()["rows"]}
    assert set(rows) == {
        (v, d) for v in (feed.vendor, feed.rival) for d in ("2026-10-24", "2026-10-25")
    }
    sunday = rows[feed.vendor, "2026-10-25"]
    assert sunday["timezone"] == "Europe/Berlin"
    assert (sunday["service_intervals"], sunday["silent_intervals"]) == (16, 13)
    assert sunday["silent_by_queue"] == {feed.queue: 13}
    assert sunday["unended_calls"] == 1  # c2, offered 01:30 local on the 25th
    assert sunday["accepted"] == 0  # the records were received today, not on the 25th
    saturday = rows[feed.vendor, "2026-10-24"]
    assert (saturday["service_intervals"], saturday["unended_calls"]) == (0, 0)
    # the rival's queue has no hours: always open, 25 hours of intervals, all silent
    assert rows[feed.rival, "2026-10-25"]["silent_intervals"] == 100
    assert rows[feed.rival, "2026-10-24"]["silent_intervals"] == 96


def _pairs(http, key, **params):
    response = quality(http, key, **FALL_BACK, **params)
    if response.status_code != 200:
        return response.status_code
    return sorted({(r["client"], r["vendor"]) for r in response.json()["rows"]})


def test_each_key_sees_its_own_feeds_and_others_are_not_found(client, feed):
    both = sorted([(feed.client, feed.vendor), (feed.client, feed.rival)])
    assert _pairs(client, feed.client_key, client=feed.client) == both
    assert _pairs(client, feed.client_key, vendor=feed.rival) == [(feed.client, feed.rival)]
    assert _pairs(client, feed.client_key, client=feed.outsider) == 404
    assert _pairs(client, feed.outsider_key, client=feed.client) == 404
    assert _pairs(client, feed.outsider_key, vendor=feed.vendor) == 404
    assert _pairs(client, feed.key, client=feed.client) == [(feed.client, feed.vendor)]
    assert _pairs(client, feed.key, vendor=feed.rival) == 404
    assert _pairs(client, feed.rival_key, vendor=feed.rival) == sorted(
        [(feed.client, feed.rival), (feed.outsider, feed.rival)]
    )
    assert _pairs(client, feed.admin_key, vendor=feed.vendor) == [(feed.client, feed.vendor)]
    assert _pairs(client, feed.admin_key, client="nobody-at-all") == 404
    missing = quality(client, feed.outsider_key, client=feed.client, **FALL_BACK).json()
    assert missing["error"].startswith("client: unknown client")


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({}, "client:"),
        ({"kind": "voice"}, "kind:"),
        ({"colour": "red"}, "colour:"),
        ({"from": "2026-10-25T00:00:00Z"}, "from:"),
        ({"to": "25/10/2026"}, "to:"),
        ({"from": "2026-10-26", "to": "2026-10-25"}, "to:"),
        ({"from": "1900-01-01", "to": "2999-01-01"}, "to:"),
    ],
)
def test_bad_input_is_400_naming_the_parameter(client, feed, params, named):
    if params:
        params = {"client": feed.client} | params
    response = quality(client, feed.client_key, **params)
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith(named), response.json()
