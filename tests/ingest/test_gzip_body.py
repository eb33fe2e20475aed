"""Bodies sent with `Content-Encoding: gzip` (as `callpulse ship` sends them) are inflated."""

import gzip
import json

AT = "2026-11-20T09:00:00+08:00"


def _post(client, tenant, body: bytes, encoding: str):
    headers = {**tenant.auth(), "Content-Type": "application/json", "Content-Encoding": encoding}
    return client.post("/v1/calls", content=body, headers=headers)


def test_gzip_body_is_inflated_and_written(client, tenant, pg):
    records = [{"call_id": f"gz-{n}", "queue": tenant.queue, "offered_at": AT} for n in range(3)]
    response = _post(client, tenant, gzip.compress(json.dumps(records).encode()), "gzip")
    assert response.json() == {"accepted": 3, "duplicates": 0, "rejected": []}
    stored = pg.execute(
        "SELECT count(*) FROM calls c JOIN queues q ON q.id = c.queue_id"
        " WHERE q.code = %s AND c.call_id LIKE 'gz-%%'",
        [tenant.queue],
    ).fetchone()
    assert stored == (3,)


def test_a_body_that_inflates_past_the_limit_is_413(client, tenant, settings):
    bomb = gzip.compress(b" " * (settings.max_body_bytes + 1) + b"[]")
    assert len(bomb) < settings.max_body_bytes // 100  # small on the wire
    response = _post(client, tenant, bomb, "gzip")
    assert response.status_code == 413, response.text
    assert "once inflated" in response.json()["error"]


def test_broken_or_cut_gzip_is_a_named_400(client, tenant):
    whole = gzip.compress(b"[]")
    for body, message in ((b"not gzip at all", "not valid gzip"), (whole[:-9], "cut short")):
        response = _post(client, tenant, body, "gzip")
        assert response.status_code == 400, response.text
        assert message in response.json()["error"]


def test_an_unknown_content_encoding_is_415_naming_gzip(client, tenant):
    response = _post(client, tenant, b"[]", "br")
    assert response.status_code == 415
    assert "send gzip or none" in response.json()["error"]
