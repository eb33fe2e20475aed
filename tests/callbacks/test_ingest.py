"""callback_of on calls: stored, corrected and replayed like every call field; bad links named."""

import pytest

from app.kpi.aggregation import drain
from tests.callbacks.helpers import at, callback, day_of_callbacks, metrics_row, request
from tests.factories import post


def _link(pg, tenant, call_id: str) -> str | None:
    row = pg.execute(
        "SELECT c.callback_of FROM calls c JOIN clients k ON k.id = c.client_id"
        " WHERE k.code = %s AND c.call_id = %s",
        [tenant.client, call_id],
    ).fetchone()
    return row[0]


def test_a_callback_is_stored_with_its_link(client, tenant, pg):
    body = post(client, "/v1/calls", [callback("b1", tenant.queue, "09:30", "r1")], tenant).json()
    assert body["accepted"] == 1 and body["rejected"] == []  # r1 not sent yet: allowed
    assert _link(pg, tenant, "b1") == "r1"


@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_every_body_format_carries_it(client, tenant, pg, fmt):
    records = [callback("b1", tenant.queue, "09:30", "r1")]
    assert post(client, "/v1/calls", records, tenant, fmt=fmt).json()["rejected"] == []
    assert _link(pg, tenant, "b1") == "r1"


def test_a_replay_is_a_duplicate_and_a_correction_moves_the_link(client, tenant, pg):
    records = [callback("b1", tenant.queue, "09:30", "r1")]
    post(client, "/v1/calls", records, tenant)
    again = post(client, "/v1/calls", records, tenant).json()
    assert again["duplicates"] == 1 and again["accepted"] == 0
    fixed = post(client, "/v1/calls", [callback("b1", tenant.queue, "09:30", "r2")], tenant)
    assert fixed.json()["accepted"] == 1
    assert _link(pg, tenant, "b1") == "r2"
    # a later partial record without callback_of never erases it
    partial = {"call_id": "b1", "queue": tenant.queue, "offered_at": at("09:30"), "csat": 90}
    post(client, "/v1/calls", [partial], tenant)
    assert _link(pg, tenant, "b1") == "r2"


def test_replaying_the_day_changes_no_figure(client, tenant, database, settings):
    records = day_of_callbacks(tenant.queue)
    post(client, "/v1/calls", records, tenant)
    drain(database, settings)
    before = metrics_row(client, tenant, queue=tenant.queue)
    body = post(client, "/v1/calls", records, tenant).json()
    assert body["duplicates"] == len(records)
    drain(database, settings)
    assert metrics_row(client, tenant, queue=tenant.queue) == before


def _errors(client, tenant, record) -> list[str]:
    body = post(client, "/v1/calls", [record], tenant).json()
    assert body["accepted"] == 0, body
    [rejection] = body["rejected"]
    return rejection["errors"]


def test_an_inbound_callback_is_refused(client, tenant):
    record = callback("b1", tenant.queue, "09:30", "r1")
    del record["direction"]  # inbound by default
    assert _errors(client, tenant, record) == [
        "callback_of: only an outbound call returns a callback request; send direction: outbound"
    ]


def test_a_call_cannot_return_itself(client, tenant):
    record = callback("b1", tenant.queue, "09:30", "b1")
    assert _errors(client, tenant, record) == [
        "callback_of: a call cannot be the callback of itself"
    ]


def test_a_call_of_another_client_is_refused_and_kept(client, tenant, pg):
    # The vendor serves the other client's foreign_queue too: f1 is that client's call.
    post(client, "/v1/calls", [request("f1", tenant.foreign_queue, "09:00")], tenant)
    record = callback("b1", tenant.queue, "09:30", "f1")
    assert _errors(client, tenant, record) == [
        "callback_of: f1 is a call of another client; a callback belongs to the client of"
        " the request it returns"
    ]
    kept = pg.execute(
        "SELECT r.record_key FROM rejected_records r JOIN vendors v ON v.id = r.vendor_id"
        " WHERE v.code = %s",
        [tenant.vendor],
    ).fetchall()
    assert ("b1",) in kept
    # once this client has its own f1, the same link is fine
    post(client, "/v1/calls", [request("f1", tenant.queue, "09:00")], tenant)
    assert post(client, "/v1/calls", [record], tenant).json()["accepted"] == 1


def test_a_too_long_link_names_the_field(client, tenant):
    record = callback("b1", tenant.queue, "09:30", "x" * 129)
    [error] = _errors(client, tenant, record)
    assert error.startswith("callback_of: ")


def test_the_later_request_counts_its_early_callback(client, tenant, database, settings):
    post(client, "/v1/calls", [callback("b1", tenant.queue, "09:30", "r1")], tenant)
    drain(database, settings)
    assert metrics_row(client, tenant, queue=tenant.queue)["callback_timeliness"] is None
    post(client, "/v1/calls", [request("r1", tenant.queue, "09:00")], tenant)
    drain(database, settings)
    row = metrics_row(client, tenant, queue=tenant.queue)
    assert (row["callbacks_requested"], row["callback_timeliness"]) == (1, 1)
