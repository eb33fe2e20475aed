"""Estimated offer and answer times: they count until a real time arrives, in any order.

A source may imply a time it did not log (Asterisk's COMPLETEAGENT dates the answer at end
− calltime and the offer at end − calltime − holdtime): a call event carries it as
`estimated_offered_at` / `estimated_answered_at`.
"""

import random
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.kpi.aggregation import drain
from tests.factories import make_tenant, post

BASE = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
ROW = (
    "SELECT c.offered_at, c.offered_known, c.offered_estimated, c.answered_at,"
    " c.answered_estimated, c.ended_at FROM calls c JOIN clients k ON k.id = c.client_id"
    " WHERE k.code = %s AND c.call_id = %s"
)


def moment(seconds: float) -> datetime:
    return BASE + timedelta(seconds=seconds)


def at(seconds: float) -> str:
    return moment(seconds).isoformat()


def completed(queue: str, call_id: str, end: float, talk: float, wait: float) -> dict:
    """The ended event of a COMPLETEAGENT line: its end, talk, and the times they imply."""
    return {
        "call_id": call_id,
        "queue": queue,
        "event": "ended",
        "at": at(end),
        "talk_s": talk,
        "exit_reason": "answered",
        "estimated_answered_at": at(end - talk),
        "estimated_offered_at": at(end - talk - wait),
    }


def test_a_call_known_only_by_its_end_counts_at_its_estimated_times(
    client, tenant, pg, database, settings
):
    event = completed(tenant.queue, "partial", end=300, talk=6, wait=12)
    assert post(client, "/v1/call-events", [event], tenant).json()["accepted"] == 1
    assert pg.execute(ROW, [tenant.client, "partial"]).fetchall() == [
        (moment(282), True, True, moment(294), True, moment(300))
    ]
    drain(database, settings)
    [hour] = client.get(
        "/v1/metrics",
        params={"queue": tenant.queue, "granularity": "hour"}
        | {"from": "2026-11-20T09:00:00+08:00", "to": "2026-11-20T10:00:00+08:00"},
        headers=tenant.auth(tenant.client_key),
    ).json()["series"]
    assert (hour["offered"], hour["answered"], hour["asa_s"], hour["aht_s"]) == (1, 1, 12, 6)


def test_a_real_offer_and_answer_replace_the_estimates(client, tenant, pg):
    q = tenant.queue
    post(client, "/v1/call-events", [completed(q, "late", end=300, talk=6, wait=12)], tenant)
    real = [
        {"call_id": "late", "queue": q, "event": "offered", "at": at(280)},
        {"call_id": "late", "queue": q, "event": "answered", "at": at(293), "agent": "a1"},
    ]
    assert post(client, "/v1/call-events", real, tenant).json()["accepted"] == 2
    assert pg.execute(ROW, [tenant.client, "late"]).fetchall() == [
        (moment(280), True, False, moment(293), False, moment(300))
    ]


def test_an_estimate_never_crosses_a_real_time(client, tenant, pg):
    """Sources round: an estimated offer after the real answer is taken at the answer."""
    q = tenant.queue
    answered = {"call_id": "round", "queue": q, "event": "answered", "at": at(100)}
    ended = completed(q, "round", end=200, talk=99.5, wait=0)  # implies 100.5 s
    for event in (answered, ended):
        assert post(client, "/v1/call-events", [event], tenant).json()["rejected"] == []
    assert pg.execute(ROW, [tenant.client, "round"]).fetchall() == [
        (moment(100), True, True, moment(100), False, moment(200))
    ]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    real=st.sets(st.sampled_from(["offered", "answered"])),
    seed=st.integers(0, 10**6),
    split=st.integers(1, 4),
)
def test_any_order_and_batching_give_one_row(client, database, pg, real, seed, split):
    """Real times win over estimates; of two estimates the earliest; in any order."""
    tenant = make_tenant(database)
    q = tenant.queue
    events = [
        completed(q, "perm", end=300, talk=60, wait=20),  # implies 220 and 240
        completed(q, "perm", end=300, talk=60, wait=22),  # a second line: 218 and 240
        *[
            {
                "call_id": "perm",
                "queue": q,
                "event": e,
                "at": at({"offered": 210, "answered": 230}[e]),
            }
            for e in sorted(real)
        ],
    ]
    random.Random(seed).shuffle(events)
    for i in range(0, len(events), split):
        body = post(client, "/v1/call-events", events[i : i + split], tenant).json()
        assert body["rejected"] == []
    offered = 210 if "offered" in real else 218
    answered = 230 if "answered" in real else 240
    assert pg.execute(ROW, [tenant.client, "perm"]).fetchall() == [
        (
            moment(offered),
            True,
            "offered" not in real,
            moment(answered),
            "answered" not in real,
            moment(300),
        )
    ]
    again = post(client, "/v1/call-events", events, tenant).json()
    assert again["duplicates"] == len(events) and again["accepted"] == 0


def test_estimates_out_of_order_are_named(client, tenant):
    bad = completed(tenant.queue, "bad", end=300, talk=6, wait=12)
    bad["estimated_offered_at"] = at(296)  # after the estimated answer (294)
    later = completed(tenant.queue, "later", end=300, talk=6, wait=12)
    later["estimated_answered_at"] = at(301)
    body = post(client, "/v1/call-events", [bad, later], tenant).json()
    assert [r["errors"] for r in body["rejected"]] == [
        [
            "estimated_offered_at: 2026-11-20T01:04:56Z is after estimated_answered_at"
            " 2026-11-20T01:04:54Z"
        ],
        ["estimated_answered_at: 2026-11-20T01:05:01Z is after at 2026-11-20T01:05:00Z"],
    ]
