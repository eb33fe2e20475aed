"""Under overload ingest degrades gracefully: one connection per request, the excess refused
at once with 503 "server busy" + Retry-After, and work whose client has gone dropped."""

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import psycopg
import pytest
from fastapi.testclient import TestClient

from app.core.admission import Admission
from app.core.db import Database, libpq_url, sqlalchemy_url
from app.core.errors import ServerBusy
from app.main import create_app
from tests.apart import run_apart
from tests.factories import cdr, post
from tests.waiting import backends_blocked_by, wait_for

OFFERED = "2026-11-18T09:03:00+08:00"


@contextmanager
def ingest_held(client, database_url: str, pg, tenant) -> Iterator[list]:
    """Start an ingest that waits on a row lock; yield its answers (filled once released)."""
    assert post(client, "/v1/calls", [cdr("held", tenant.queue, OFFERED, wait=5)], tenant)
    answers: list = []
    with psycopg.connect(libpq_url(database_url)) as holder:
        client_id = pg.execute("SELECT id FROM clients WHERE code = %s", [tenant.client]).fetchone()
        holder.execute(  # one client's row: Citus locks rows only in a single-shard statement
            "SELECT 1 FROM calls WHERE client_id = %s AND call_id = 'held' FOR UPDATE", client_id
        ).fetchall()
        update = cdr("held", tenant.queue, OFFERED, wait=5, talk=200)
        request = threading.Thread(
            target=lambda: answers.append(post(client, "/v1/calls", [update], tenant))
        )
        request.start()
        wait_for(lambda: backends_blocked_by(pg, holder.info.backend_pid), "the ingest to wait")
        try:
            yield answers
        finally:
            holder.rollback()
            request.join()


def test_an_ingest_request_holds_one_connection(client, database_url, pg, tenant):
    with ingest_held(client, database_url, pg, tenant):
        idle = pg.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state = 'idle in transaction'"
        ).fetchone()[0]
    # the holder is the only session idle in transaction: the key lookup's was released
    assert idle == 1


@pytest.fixture
def one_slot(settings, database) -> Iterator[TestClient]:
    """An app that admits one ingest request at a time."""
    app = create_app(settings.model_copy(update={"max_ingest_in_flight": 1}), database)
    with TestClient(app) as test_client:
        yield test_client


def test_excess_ingest_is_refused_at_once_with_server_busy(one_slot, database_url, pg, tenant):
    with ingest_held(one_slot, database_url, pg, tenant) as held:
        answers: list = []
        excess = threading.Thread(
            target=lambda: answers.append(
                post(one_slot, "/v1/calls", [cdr("next", tenant.queue, OFFERED)], tenant)
            )
        )
        excess.start()
        excess.join(10)  # without a bound it would queue behind the held request
        assert answers, "the excess request waited instead of being refused"
        reads = one_slot.get("/v1/queues", headers=tenant.auth(tenant.client_key))
    excess.join()
    busy = answers[0]
    assert busy.status_code == 503
    assert "server busy" in busy.json()["error"]
    assert int(busy.headers["retry-after"]) >= 1
    assert reads.status_code == 200  # reads are not ingest work
    assert held[0].status_code == 200 and held[0].json()["accepted"] == 1
    again = post(one_slot, "/v1/calls", [cdr("next", tenant.queue, OFFERED)], tenant)
    assert again.json()["accepted"] == 1  # the slot came back


def test_work_whose_client_has_gone_is_dropped(client, pg, tenant):
    body = json.dumps([cdr("gone", tenant.queue, OFFERED, wait=5)]).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/calls",
        "raw_path": b"/v1/calls",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", f"Bearer {tenant.key}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    # What the server passes on when the client hangs up right after sending its body.
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    # In a thread of its own: a browser test may have left Playwright's loop on this one.
    thread = threading.Thread(target=anyio.run, args=(client.app, scope, receive, send))
    thread.start()
    thread.join(30)
    stored = pg.execute(
        "SELECT count(*) FROM calls c JOIN queues q ON q.id = c.queue_id"
        " WHERE c.call_id = 'gone' AND q.code = %s",
        (tenant.queue,),
    ).fetchone()[0]
    assert stored == 0
    assert sent[0]["status"] == 499


def test_an_exhausted_pool_answers_server_busy(settings, database_url, tenant):
    database = Database(sqlalchemy_url(database_url), pool_size=1, pool_timeout_s=0.2)
    held = [database.engine.connect(), database.engine.connect()]  # the pool and its overflow
    try:
        with TestClient(create_app(settings, database)) as busy_app:
            answer = busy_app.get("/v1/queues", headers=tenant.auth(tenant.client_key))
    finally:
        for connection in held:
            connection.close()
        database.dispose()
    assert answer.status_code == 503
    assert answer.json()["error"].startswith("server busy")  # not "database unavailable"
    assert answer.headers["retry-after"]


def test_a_freed_slot_goes_to_the_one_waiter_and_a_second_waiter_is_refused_at_once():
    async def scenario() -> None:
        admission = Admission(limit=1, wait_s=5)
        await admission.acquire()
        waiter = asyncio.ensure_future(admission.acquire())
        await asyncio.sleep(0)
        assert len(admission.waiters) == 1
        started = time.monotonic()
        with pytest.raises(ServerBusy):
            await admission.acquire()  # one request already waits: no queue behind it
        assert time.monotonic() - started < 0.05
        admission.release()
        await asyncio.wait_for(waiter, 1)  # handed over, not polled for
        assert admission.in_flight == 1 and not admission.waiters
        admission.release()
        assert admission.in_flight == 0

    run_apart(scenario())


def test_a_waiter_gives_up_after_the_wait_and_leaves_the_count_as_it_was():
    async def scenario() -> None:
        admission = Admission(limit=1, wait_s=0.05)
        await admission.acquire()
        with pytest.raises(ServerBusy):
            await admission.acquire()
        assert admission.in_flight == 1 and not admission.waiters
        admission.release()
        await admission.acquire()  # the slot is free again
        assert admission.in_flight == 1

    run_apart(scenario())


def test_a_refusal_comes_before_the_key_lookup(one_slot, database_url, pg, tenant):
    with ingest_held(one_slot, database_url, pg, tenant):
        refused = one_slot.post(
            "/v1/calls", json=[], headers={"Authorization": "Bearer cpk_not_a_key"}
        )
    assert refused.status_code == 503  # not 401: no key was looked up for it
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["x-content-type-options"] == "nosniff"  # the usual headers


def test_feed_posts_share_the_ingest_bound(one_slot, database_url, pg, tenant):
    with ingest_held(one_slot, database_url, pg, tenant):
        refused = one_slot.post(
            "/v1/feeds/any-feed", content=b"x", headers={"Authorization": "Bearer cpk_not_a_key"}
        )
        listed = one_slot.get("/v1/feeds/any-feed", headers=tenant.auth())
    assert refused.status_code == 503  # a feed body is ingest work like any other
    assert "server busy" in refused.json()["error"]
    assert listed.status_code == 405  # only POSTs are held to the bound
