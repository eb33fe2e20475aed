"""Records the database cannot hold are refused one by one, stored escaped, and sink nothing."""

import hashlib
import json

import pytest

from tests.factories import post

AT = "2026-11-20T09:00:00+08:00"


def _send(client, tenant, body: bytes, content_type: str):
    headers = {**tenant.auth(), "Content-Type": content_type}
    return client.post("/v1/calls", content=body, headers=headers)


def _stored(pg, tenant) -> list[tuple]:
    return pg.execute(
        "SELECT r.record_key, r.payload, r.errors FROM rejected_records r"
        " JOIN vendors v ON v.id = r.vendor_id WHERE v.code = %s ORDER BY r.id",
        [tenant.vendor],
    ).fetchall()


def _json_cases(queue: str) -> list[tuple[str, dict, str]]:
    return [
        ("NUL in id", {"call_id": "a\x00b", "queue": queue, "offered_at": AT}, "call_id: "),
        (
            "NUL in agent",
            {"call_id": "nul-agent", "queue": queue, "offered_at": AT, "agent": "\x00"},
            "agent: ",
        ),
        ("NUL in queue", {"call_id": "nul-queue", "queue": "q\x00", "offered_at": AT}, "queue: "),
        (
            "NUL in field name",
            {"call_id": "nul-name", "queue": queue, "offered_at": AT, "x\x00": 1},
            "",
        ),
        (
            "id over key length",
            {"call_id": "i" * 5000, "queue": queue, "offered_at": AT},
            "call_id: ",
        ),
        (
            "object as id",
            {"call_id": {"x": ["y" * 400]}, "queue": queue, "offered_at": AT},
            "call_id: ",
        ),
        (
            "year 1",
            {"call_id": "y1", "queue": queue, "offered_at": "0001-01-01T00:00:00+01:00"},
            "offered_at: ",
        ),
        (
            "year 9999",
            {"call_id": "y9", "queue": queue, "offered_at": "9999-12-31T23:59:59-01:00"},
            "offered_at: ",
        ),
        (
            "answered in year 9999",
            {
                "call_id": "y8",
                "queue": queue,
                "offered_at": AT,
                "answered_at": "9999-12-31T23:59:59-01:00",
            },
            "answered_at: ",
        ),
    ]


CASE_NAMES = [c[0] for c in _json_cases("q")]


@pytest.mark.parametrize("fmt", ["array", "ndjson"])
@pytest.mark.parametrize("case", CASE_NAMES)
def test_bad_value_is_one_named_rejection(client, tenant, pg, case, fmt):
    [(_, bad, field)] = [c for c in _json_cases(tenant.queue) if c[0] == case]
    good = {"call_id": f"good-{case}-{fmt}", "queue": tenant.queue, "offered_at": AT}
    response = post(client, "/v1/calls", [good, bad], tenant, fmt)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 1, "a bad record must not sink its batch"
    [rejection] = body["rejected"]
    assert rejection["index"] == 1
    assert rejection["errors"] and all(e.startswith(field) for e in rejection["errors"])
    assert all(len(e) < 400 for e in rejection["errors"]), "messages quote a bounded excerpt"
    [(key, payload, errors)] = _stored(pg, tenant)
    assert "\x00" not in payload and "\x00" not in json.dumps(errors)
    assert key is None or len(key) <= 300


def test_nul_in_csv_cell_and_ndjson_line(client, tenant, pg):
    good = f"c1,{tenant.queue},{AT}"
    csv_body = f"call_id,queue,offered_at\n{good}\nc\x002,{tenant.queue},{AT}\n".encode()
    body = _send(client, tenant, csv_body, "text/csv").json()
    assert body["accepted"] == 1
    assert body["rejected"][0]["errors"] == ["call_id: contains a NUL character (\\x00)"]
    line = json.dumps({"call_id": "nul-ok", "queue": tenant.queue, "offered_at": AT})
    ndjson = f'{line}\n{{"call_id": "nul-bad"\x00}}\n'.encode()
    body = _send(client, tenant, ndjson, "application/x-ndjson").json()
    assert body["accepted"] == 1 and body["rejected"][0]["index"] == 1
    assert body["rejected"][0]["errors"][0].startswith("record: not valid JSON")
    assert "\\x00" in _stored(pg, tenant)[-1][1]


def test_bare_cr_in_csv_field_rejects_its_row(client, tenant, pg):
    body = (
        f"call_id,queue,offered_at,disposition\nc1,{tenant.queue},{AT},ok\n"
        f"c2,{tenant.queue},{AT},bad\rvalue\nc3,{tenant.queue},{AT},ok\n"
    ).encode()
    response = _send(client, tenant, body, "text/csv")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["accepted"] == 2
    [rejection] = result["rejected"]
    assert rejection["index"] == 1
    assert "carriage return" in rejection["errors"][0]


@pytest.mark.parametrize("content_type", ["application/x-ndjson", "text/csv"])
def test_one_invalid_utf8_line_rejects_that_line(client, tenant, pg, content_type):
    if content_type == "text/csv":
        lines = [b"call_id,queue,offered_at", f"u1,{tenant.queue},{AT}".encode()]
        lines += [b"u2\xff\xfe," + tenant.queue.encode() + b"," + AT.encode()]
    else:
        lines = [json.dumps({"call_id": "u1", "queue": tenant.queue, "offered_at": AT}).encode()]
        lines += [b'{"call_id": "u2\xff\xfe", "queue": "x"}']
    response = _send(client, tenant, b"\n".join(lines) + b"\n", content_type)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["accepted"] == 1
    [rejection] = result["rejected"]
    assert rejection["index"] == 1 and "not valid UTF-8" in rejection["errors"][0]
    [(_, payload, _)] = _stored(pg, tenant)
    assert "\\xff\\xfe" in payload


def test_huge_rejected_field_is_stored_truncated_with_size_and_hash(client, tenant, pg):
    huge = "z" * 5_000_000
    bad = {"call_id": "big", "queue": tenant.queue, "offered_at": AT, "disposition": huge}
    response = post(client, "/v1/calls", [bad], tenant, "ndjson")
    assert response.status_code == 200
    assert len(response.content) < 2000, "the answer quotes no more than an excerpt"
    [(_, payload, errors)] = _stored(pg, tenant)
    original = json.dumps(bad).encode()
    assert len(payload.encode()) <= 17 * 1024
    assert f"{len(original)} bytes" in payload
    assert hashlib.sha256(original).hexdigest() in payload
    assert len(json.dumps(errors)) < 2000


def test_errors_of_one_record_are_bounded(client, tenant):
    bad = {"call_id": "many", "queue": tenant.queue, "offered_at": AT}
    bad |= {f"unknown_{i}": i for i in range(5000)}
    [rejection] = post(client, "/v1/calls", [bad], tenant).json()["rejected"]
    assert len(rejection["errors"]) == 21
    assert rejection["errors"][-1] == "record: 4980 more errors"


def test_unpaired_surrogate_escape_rejects_its_record_only(client, tenant, pg):
    good = json.dumps({"call_id": "sur-ok", "queue": tenant.queue, "offered_at": AT})
    bad = json.dumps({"call_id": "sur", "queue": tenant.queue, "offered_at": AT})
    bad = bad.replace('"sur"', '"sur\\ud800"')
    response = _send(client, tenant, f"[{good}, {bad}]".encode(), "application/json")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 1
    assert body["rejected"][0]["errors"] == [
        "call_id: contains an unpaired surrogate (\\ud800); send valid Unicode"
    ]
    [(_, payload, _)] = _stored(pg, tenant)
    assert "\\ud800" in payload
