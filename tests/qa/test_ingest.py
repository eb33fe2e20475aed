"""`POST /v1/qa-evaluations`: idempotent per client and evaluation id; every bad one named, kept."""

import pytest

from app.access.keys import create_key
from tests.factories import post
from tests.qa.helpers import PATH, evaluation, handled_calls


def stored(pg, tenant) -> list[tuple]:
    return pg.execute(
        "SELECT e.evaluation_id, e.call_id, e.ticket_id, v.code, a.code, e.fatal_errors,"
        " e.non_fatal_errors, e.score::float8, e.mode, e.items FROM qa_evaluations e"
        " JOIN clients c ON c.id = e.client_id JOIN vendors v ON v.id = e.vendor_id"
        " JOIN agents a ON a.id = e.agent_id WHERE c.code = %s ORDER BY e.evaluation_id",
        [tenant.client],
    ).fetchall()


def kept(pg, tenant) -> list[tuple]:
    return pg.execute(
        "SELECT r.record_key, r.errors FROM rejected_records r JOIN vendors v"
        " ON v.id = r.vendor_id WHERE v.code = %s AND r.kind = 'qa-evaluations'"
        " ORDER BY r.record_index",
        [tenant.vendor],
    ).fetchall()


@pytest.mark.parametrize("fmt", ["array", "ndjson", "csv"])
def test_evaluations_are_stored_once_and_a_replay_is_a_duplicate(client, tenant, pg, fmt):
    handled_calls(client, tenant, tenant.queue, ["c1", "c2"])
    records = [
        evaluation("e1", tenant.queue, call_id="c1", fatal=1, non_fatal=2, score=75.5),
        evaluation("e2", tenant.queue, call_id="c2", items='[{"item": "greeting", "ok": true}]'),
    ]
    first = post(client, PATH, records, tenant, fmt=fmt)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    again = post(client, PATH, records, tenant, fmt=fmt)
    assert again.json() == {"accepted": 0, "duplicates": 2, "rejected": []}
    assert stored(pg, tenant) == [
        ("e1", "c1", None, tenant.vendor, "a1", 1, 2, 75.5, "recording", None),
        (
            "e2",
            "c2",
            None,
            tenant.vendor,
            "a1",
            0,
            0,
            90.0,
            "recording",
            [{"item": "greeting", "ok": True}],
        ),
    ]


def test_a_changed_evaluation_replaces_the_stored_one(client, tenant, pg):
    handled_calls(client, tenant, tenant.queue, ["c1"])
    post(client, PATH, [evaluation("e1", tenant.queue, call_id="c1", fatal=2)], tenant)
    corrected = evaluation("e1", tenant.queue, call_id="c1", fatal=0, score=95)
    answer = post(client, PATH, [corrected], tenant)
    assert answer.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    assert stored(pg, tenant) == [
        ("e1", "c1", None, tenant.vendor, "a1", 0, 0, 95.0, "recording", None)
    ]


def test_a_ticket_can_be_evaluated(client, tenant, pg):
    ticket = {
        "ticket_id": "t1",
        "queue": tenant.queue,
        "channel": "email",
        "created_at": "2026-11-20T10:00:00+08:00",
        "agent": "a2",
    }
    assert post(client, "/v1/tickets", [ticket], tenant).json()["accepted"] == 1
    answer = post(
        client, PATH, [evaluation("e1", tenant.queue, ticket_id="t1", agent="a2")], tenant
    )
    assert answer.json()["accepted"] == 1
    assert stored(pg, tenant) == [
        ("e1", None, "t1", tenant.vendor, "a2", 0, 0, 90.0, "recording", None)
    ]


def test_the_clients_key_may_evaluate_its_vendors_calls(client, tenant, pg):
    handled_calls(client, tenant, tenant.shared_queue, ["w1"], agent="b1", key=tenant.other_key)
    record = evaluation("e1", tenant.shared_queue, call_id="w1", agent="b1")
    answer = post(client, PATH, [record], tenant, key=tenant.client_key)
    assert answer.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    # it counts for the vendor that handled the call, not for whoever sent it
    assert stored(pg, tenant)[0][3] == tenant.other_vendor


def test_other_keys_may_not_post_evaluations(client, tenant, database):
    with database.session_scope() as session:
        admin = create_key(session, "admin")
    answer = post(client, PATH, [evaluation("e1", tenant.queue, call_id="c1")], tenant, key=admin)
    assert answer.status_code == 403
    assert "needs a vendor or client key" in answer.text


def test_each_bad_evaluation_is_named_and_kept(client, tenant, pg):
    handled_calls(client, tenant, tenant.queue, ["c1"])
    handled_calls(client, tenant, tenant.shared_queue, ["w1"], agent="b1", key=tenant.other_key)
    q = tenant.queue
    records = [
        evaluation("b0", q, call_id="c1", fatal=101),
        evaluation("b1", q, call_id="c1", non_fatal=-1),
        evaluation("b2", q, call_id="c1", score=101),
        evaluation("b3", q, call_id="c1", mode="listening"),
        evaluation("b4", q),
        evaluation("b5", q, call_id="c1", ticket_id="t1"),
        evaluation("b6", q, call_id="nope"),
        evaluation("b7", tenant.shared_queue, call_id="c1"),
        evaluation("b8", tenant.shared_queue, call_id="w1", agent="b1"),
        evaluation("b9", q, call_id="c1", agent="a9"),
        evaluation("b10", tenant.other_queue, call_id="c1"),
        evaluation("b11", q, call_id="c1", at="2036-01-01T00:00:00Z"),
        evaluation("b12", q, call_id="c1", items="{not json"),
        evaluation("ok", q, call_id="c1"),
    ]
    answer = post(client, PATH, records, tenant).json()
    assert answer["accepted"] == 1
    errors = {r["id"]: r["errors"] for r in answer["rejected"]}
    assert errors["b0"] == ["fatal_errors: input should be less than or equal to 100"]
    assert errors["b1"] == ["non_fatal_errors: input should be greater than or equal to 0"]
    assert errors["b2"] == ["score: input should be less than or equal to 100"]
    assert errors["b3"][0].startswith("mode: input should be 'live' or 'recording'")
    assert errors["b4"] == ["call_id: give the evaluated call_id or ticket_id, exactly one"]
    assert errors["b5"] == errors["b4"]
    assert errors["b6"] == [
        "call_id: no call 'nope' of this client (send the call to /v1/calls first, or check the id)"
    ]
    assert errors["b7"] == [f"queue: call 'c1' is not in queue {tenant.shared_queue!r}"]
    assert errors["b8"][0].startswith(
        f"call_id: call 'w1' was handled by vendor {tenant.other_vendor!r}"
    )
    assert errors["b9"] == ["agent: call 'c1' was handled by agent 'a1', not 'a9'"]
    assert errors["b10"] == [
        f"queue: {tenant.other_queue!r} is not served by vendor {tenant.vendor!r}"
    ]
    assert errors["b11"][0].startswith("evaluated_at: 2036-01-01T00:00:00Z is in the future")
    assert errors["b12"][0].startswith("items: not JSON")
    assert len(errors) == 13
    # every one is kept with its reasons: nothing silently dropped
    assert dict(kept(pg, tenant)) == errors
    # and a replay of the batch stores no second copy of them
    post(client, PATH, records, tenant)
    assert len(kept(pg, tenant)) == 13


def test_a_client_key_names_only_its_own_queues(client, tenant):
    handled_calls(client, tenant, tenant.queue, ["c1"])
    record = evaluation("x1", tenant.foreign_queue, call_id="c1")
    answer = post(client, PATH, [record], tenant, key=tenant.client_key).json()
    assert answer["rejected"][0]["errors"] == [
        f"queue: {tenant.foreign_queue!r} is not a queue of client {tenant.client!r}"
    ]


def test_a_client_keys_rejections_are_kept_under_that_client(client, tenant, pg):
    answer = post(client, PATH, [evaluation("x1", "no-such-queue")], tenant, key=tenant.client_key)
    assert answer.json()["rejected"] == [
        {
            "index": 0,
            "id": "x1",
            "errors": ["call_id: give the evaluated call_id or ticket_id, exactly one"],
        }
    ]
    rows = pg.execute(
        "SELECT r.vendor_id, r.record_key, r.errors FROM rejected_records r JOIN clients c"
        " ON c.id = r.client_id WHERE c.code = %s AND r.kind = 'qa-evaluations'",
        [tenant.client],
    ).fetchall()
    assert rows == [(None, "x1", ["call_id: give the evaluated call_id or ticket_id, exactly one"])]
    listed = client.get("/v1/rejected?kind=qa-evaluations", headers=tenant.auth(tenant.client_key))
    assert listed.status_code == 200, listed.text
    assert [r["record_key"] for r in listed.json()["rejected"]] == ["x1"]
