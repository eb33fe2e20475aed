"""A batch that keeps losing key races answers 503 + Retry-After, never 500, and writes nothing."""

from tests.factories import cdr, post

OFFERED = "2026-11-20T09:00:00+08:00"


def test_a_key_race_lost_on_every_retry_is_server_busy(client, tenant, pg):
    client_id = pg.execute(
        "SELECT client_id FROM queues WHERE code = %s", [tenant.queue]
    ).fetchone()[0]
    # A key whose call row never comes: every attempt finds the key taken by "another
    # writer" (the situation of batches sharing calls that keep retrying in step).
    pg.execute(
        "INSERT INTO call_keys (client_id, call_id, offered_at) VALUES (%s, 'raced', %s)",
        [client_id, OFFERED],
    )
    pg.commit()
    try:
        answer = post(
            client,
            "/v1/calls",
            [cdr("raced", tenant.queue, OFFERED), cdr("calm", tenant.queue, OFFERED)],
            tenant,
        )
        assert answer.status_code == 503, answer.text
        assert "concurrent batches kept writing the same records" in answer.json()["error"]
        assert answer.headers["retry-after"] == "1"
        written = pg.execute(
            "SELECT count(*) FROM calls WHERE client_id = %s", [client_id]
        ).fetchone()
        assert written == (0,)  # the batch is all or nothing: "calm" waits for the retry
    finally:
        pg.execute("DELETE FROM call_keys WHERE client_id = %s AND call_id = 'raced'", [client_id])
        pg.commit()
