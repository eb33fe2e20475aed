"""`exit_reason` on calls: accepted words, merged like other fields, checked against answers."""

import pytest

from app.core.vocabulary import EXIT_REASONS
from ingest.schemas import CallEventRecord, CallRecord
from tests.core.test_vocabulary import check_values
from tests.factories import cdr, post

OFFERED = "2026-11-20T09:00:00+08:00"


def exit_reason_of(pg, tenant, call_id: str) -> str | None:
    """Return the stored exit_reason of one of the tenant's calls."""
    return pg.execute(
        "SELECT c.exit_reason FROM calls c JOIN clients k ON k.id = c.client_id"
        " WHERE k.code = %s AND c.call_id = %s",
        [tenant.client, call_id],
    ).fetchone()[0]


def test_the_words_are_the_vocabulary_in_the_database_and_the_schemas(database, pg):
    assert check_values(pg, "calls", "exit_reason") == EXIT_REASONS
    for schema in (CallRecord, CallEventRecord):
        enum = schema.model_json_schema()["properties"]["exit_reason"]["anyOf"][0]["enum"]
        assert enum == list(EXIT_REASONS)


def test_an_unknown_reason_is_rejected_naming_the_field(client, tenant):
    body = post(client, "/v1/calls", [cdr("u1", tenant.queue, OFFERED, gave_up_after=5,
                                          exit_reason="hangup")], tenant).json()  # fmt: skip
    [rejected] = body["rejected"]
    assert rejected["errors"][0].startswith("exit_reason: input should be 'answered'")


def test_a_later_reason_wins_and_null_never_erases(client, tenant, pg):
    call = cdr("m1", tenant.queue, OFFERED, gave_up_after=30)
    assert (
        post(client, "/v1/calls", [call | {"exit_reason": "timeout"}], tenant).json()["accepted"]
        == 1
    )
    assert post(client, "/v1/calls", [call], tenant).json()["duplicates"] == 1
    assert exit_reason_of(pg, tenant, "m1") == "timeout"
    event = {"call_id": "m1", "queue": tenant.queue, "event": "ended", "at": call["ended_at"]}
    body = post(client, "/v1/call-events", [event | {"exit_reason": "exit_key"}], tenant).json()
    assert body["accepted"] == 1
    assert exit_reason_of(pg, tenant, "m1") == "exit_key"


@pytest.mark.parametrize(
    ("record", "error"),
    [
        (
            {"gave_up_after": 30, "exit_reason": "answered"},
            "exit_reason: answered, but the call has no answered_at",
        ),
        (
            {"wait": 5, "exit_reason": "timeout"},
            "exit_reason: timeout means the call was not answered, but it was answered at"
            " 2026-11-20T09:00:05+08:00",
        ),
        (
            {"wait": 5, "exit_reason": "full"},
            "exit_reason: full means the call never waited, but it was answered at"
            " 2026-11-20T09:00:05+08:00",
        ),
    ],
)
def test_a_reason_contradicting_the_answer_is_a_named_rejection(client, tenant, record, error):
    body = post(client, "/v1/calls", [cdr("x1", tenant.queue, OFFERED, **record)], tenant).json()
    assert body["rejected"][0]["errors"] == [error]


def test_a_reason_is_checked_against_the_merged_call(client, tenant, pg):
    assert (
        post(client, "/v1/calls", [cdr("e1", tenant.queue, OFFERED, wait=5)], tenant).json()[
            "accepted"
        ]
        == 1
    )
    event = {"call_id": "e1", "queue": tenant.queue, "event": "ended"}
    event |= {"at": "2026-11-20T09:05:00+08:00", "exit_reason": "closed"}
    [rejected] = post(client, "/v1/call-events", [event], tenant).json()["rejected"]
    assert rejected["errors"] == [
        "exit_reason: closed means the call never waited, but it was answered at"
        " 2026-11-20T09:00:05+08:00"
    ]
    event["exit_reason"] = "answered"
    assert post(client, "/v1/call-events", [event], tenant).json()["accepted"] == 1
    assert exit_reason_of(pg, tenant, "e1") == "answered"


def test_an_event_may_name_the_answer_before_the_answered_event_arrives(client, tenant, pg):
    call = {"call_id": "o1", "queue": tenant.queue}
    ended = call | {"event": "ended", "at": "2026-11-20T09:05:00+08:00", "exit_reason": "answered"}
    answered = call | {"event": "answered", "at": "2026-11-20T09:00:05+08:00"}
    offered = call | {"event": "offered", "at": OFFERED}
    for event in (ended, answered, offered):
        assert post(client, "/v1/call-events", [event], tenant).json()["accepted"] == 1
    assert exit_reason_of(pg, tenant, "o1") == "answered"
