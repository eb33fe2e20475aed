"""`/v1/measurements`: submit, resubmit, confirm, dispute; bad input named and kept; access."""

import json

from sqlalchemy import select

from app.models import AuditEntry, RejectedRecord
from tests.contracts.helpers import key
from tests.measures.helpers import auth, decide, listed, submit


def test_submit_by_ratio_then_confirm(http, database, tenant, measures):
    body = {
        "measure": measures["attrition"],
        "client": tenant.client,
        "period": "2026-11",
        "numerator": 3,
        "denominator": 40,
        "evidence": "https://hr.example.com/2026-11",
    }
    answer = submit(http, tenant.key, body)
    assert answer.status_code == 200, answer.text
    [stored] = answer.json()["accepted"]
    assert stored["value"] == 3 / 40
    assert stored["state"] == "submitted"
    assert stored["vendor"] == tenant.vendor
    assert stored["name"] == {"en": "attrition rate", "zh": "人员流失率"}
    assert stored["period_start"] == "2026-11-01T00:00:00+08:00"  # the client's timezone

    confirmed = decide(http, tenant.client_key, stored["id"], "confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "confirmed"
    again = decide(http, tenant.client_key, stored["id"], "confirm")
    assert again.status_code == 409
    assert "resubmits" in again.json()["error"]

    # the same measure, client, vendor and period again: replaced, back to submitted
    resent = submit(http, tenant.key, body | {"numerator": 4}).json()["accepted"][0]
    assert resent["id"] == stored["id"]
    assert (resent["value"], resent["state"], resent["decided_by"]) == (0.1, "submitted", None)
    assert [m["value"] for m in listed(http, tenant.client_key, client=tenant.client)] == [0.1]

    with database.session_scope() as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(
                AuditEntry.action.like("measurement.%"),
                AuditEntry.subject.like(f"%{measures['attrition']}%"),
            )
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["measurement.submitted", "measurement.submitted"]


def test_dispute_needs_a_reason(http, database, tenant, measures):
    body = {
        "measure": measures["satisfaction"],
        "client": tenant.client,
        "period": "2026-W47",
        "value": 86.5,
    }
    stored = submit(http, tenant.key, body).json()["accepted"][0]
    missing = decide(http, tenant.client_key, stored["id"], "dispute")
    assert (missing.status_code, missing.json()["error"]) == (422, "body: Field required")
    empty = http.post(
        f"/v1/measurements/{stored['id']}/dispute", json={}, headers=auth(tenant.client_key)
    )
    assert (empty.status_code, empty.json()["error"]) == (422, "reason: Field required")
    disputed = decide(
        http, tenant.client_key, stored["id"], "dispute", reason="survey had 3 answers"
    )
    assert disputed.status_code == 200, disputed.text
    assert (disputed.json()["state"], disputed.json()["reason"]) == (
        "disputed",
        "survey had 3 answers",
    )
    assert [m["id"] for m in listed(http, tenant.key, state="disputed")] == [stored["id"]]
    assert listed(http, tenant.key, state="confirmed") == []


def test_bad_submissions_are_named_and_kept(http, database, tenant, measures):
    base = {"client": tenant.client, "period": "2026-11"}
    bad = [
        base | {"measure": "not_declared", "value": 0.1},
        base | {"measure": measures["attrition"], "value": 1.2},
        base | {"measure": measures["trained"], "value": 2.5},
        base | {"measure": measures["satisfaction"], "value": 101},
        base | {"measure": measures["outage"], "value": -1},
        base | {"measure": measures["attrition"], "value": 0.1, "numerator": 1, "denominator": 10},
        base | {"measure": measures["attrition"], "numerator": 1, "denominator": 0},
        base | {"measure": measures["attrition"], "numerator": 1},
        base | {"measure": measures["attrition"], "period": "2026-13", "value": 0.1},
        base | {"measure": measures["attrition"], "client": "nobody", "value": 0.1},
        base | {"measure": measures["attrition"], "vendor": tenant.other_vendor, "value": 0.1},
        base | {"measure": measures["attrition"], "value": 0.1, "colour": "red"},
        "not an object",
    ]
    answer = submit(http, tenant.key, bad)
    assert answer.status_code == 200, answer.text  # like /v1/calls: refused records listed
    body = answer.json()
    assert body["accepted"] == []
    errors = {r["index"]: r["errors"][0] for r in body["rejected"]}
    assert sorted(errors) == list(range(len(bad)))
    assert errors[0].startswith("measure: 'not_declared' is not declared")
    assert errors[1].startswith("value: 1.2 is outside the range") and "0–1" in errors[1]
    assert errors[2].startswith("value: 2.5") and "whole number" in errors[2]
    assert errors[3].startswith("value: 101") and "0–100" in errors[3]
    assert errors[4].startswith("value: -1") and "hours ≥ 0" in errors[4]
    assert errors[5].startswith("value, numerator: give value or numerator and denominator")
    assert errors[6].startswith("denominator: must not be 0")
    assert errors[7].startswith("denominator: required")
    assert errors[8].startswith("period:")
    assert errors[9].startswith("client: unknown client")
    assert errors[10].startswith("vendor: a key of vendor")
    assert errors[11] == "colour: unknown field"
    assert errors[12].startswith("record:")

    with database.session_scope() as session:
        kept = session.scalars(
            select(RejectedRecord).where(
                RejectedRecord.kind == "measurements",
                RejectedRecord.payload.contains(measures["attrition"])
                | RejectedRecord.payload.contains("not_declared")
                | (RejectedRecord.payload == '"not an object"'),
            )
        ).all()
    by_index = {r.record_index: r.errors[0] for r in kept if r.errors[0] in errors.values()}
    assert by_index == {i: e for i, e in errors.items() if i not in (2, 3, 4)}
    # a mix: the good one is stored (200), the bad one answered and kept
    mixed = submit(http, tenant.key, [base | {"measure": measures["outage"], "value": 3.5}, bad[0]])
    assert mixed.status_code == 200
    assert [m["value"] for m in mixed.json()["accepted"]] == [3.5]
    assert [r["index"] for r in mixed.json()["rejected"]] == [0 + 1]


def test_access(http, database, tenant, measures):
    body = {
        "measure": measures["attrition"],
        "client": tenant.client,
        "period": "2026-11",
        "value": 0.1,
    }
    stored = submit(http, tenant.key, body).json()["accepted"][0]
    # a client does not submit; a vendor does not confirm
    assert submit(http, tenant.client_key, body).status_code == 403
    assert decide(http, tenant.key, stored["id"], "confirm").status_code == 403
    # another client cannot see it (404), nor can another vendor
    other_client_key = key(database, "client", client_code=tenant.other_client)
    assert decide(http, other_client_key, stored["id"], "confirm").status_code == 404
    assert decide(http, tenant.other_key, stored["id"], "confirm").status_code == 404
    assert listed(http, tenant.other_key) == []
    assert listed(http, other_client_key) == []
    assert (
        http.get(
            "/v1/measurements",
            params={"client": tenant.client},
            headers={"Authorization": f"Bearer {other_client_key}"},
        ).status_code
        == 404
    )
    assert (
        http.get(
            "/v1/measurements",
            params={"vendor": tenant.vendor},
            headers={"Authorization": f"Bearer {tenant.other_key}"},
        ).status_code
        == 404
    )
    # the other vendor, serving the shared queue, submits its own value for the same period
    theirs = submit(http, tenant.other_key, body | {"value": 0.3}).json()["accepted"][0]
    assert theirs["id"] != stored["id"]
    assert [m["value"] for m in listed(http, tenant.other_key)] == [0.3]
    assert sorted(m["value"] for m in listed(http, tenant.client_key)) == [0.1, 0.3]
    assert decide(http, tenant.client_key, 2**31 - 1, "confirm").status_code == 404
    assert (
        http.get(
            "/v1/measurements",
            params={"state": "maybe"},
            headers={"Authorization": f"Bearer {tenant.client_key}"},
        ).status_code
        == 400
    )


def test_rejections_are_listed_under_their_kind(http, tenant, measures):
    bad = {"measure": measures["attrition"], "client": tenant.client, "period": "2026-11"}
    assert submit(http, tenant.key, bad | {"value": 7}).json()["rejected"][0]["index"] == 0
    response = http.get("/v1/rejected", params={"kind": "measurements"}, headers=auth(tenant.key))
    assert response.status_code == 200, response.text
    [row] = response.json()["rejected"]
    assert row["kind"] == "measurements" and row["errors"][0].startswith("value: 7 is outside")


def test_any_json_is_refused_by_name_and_kept(http, tenant):
    odd = {"measure": "\udbf5x", "client": 10**30, "period": [1], "value": {"a": -(10**21)}}
    body = json.dumps([odd, 10**30, "\ud800"])  # lone surrogates as JSON escapes
    answer = http.post(
        "/v1/measurements",
        content=body,
        headers=auth(tenant.key) | {"Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    assert [r["index"] for r in answer.json()["rejected"]] == [0, 1, 2]
    assert answer.json()["rejected"][1]["errors"] == [
        "record: send an object with measure, client, period and value"
    ]
