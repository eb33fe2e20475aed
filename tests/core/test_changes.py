"""Committed changes are announced with NOTIFY and heard by every listener (issue 15 item 6)."""

import queue
import secrets

import psycopg

from app.core.changes import INGEST, STATS, ChangeListener, announce, parse
from app.core.db import libpq_url


def unique_clients(n: int) -> list[int]:
    """Client ids no other test announces (the channel is the database's)."""
    base = 10**12 + secrets.randbelow(10**12)
    return [base + i for i in range(n)]


def heard_of(notices: queue.Queue, clients: list[int]) -> tuple[str | None, int | None]:
    """Return the next notice about one of `clients` (or that anything may have changed)."""
    while True:
        kind, client = notices.get(timeout=10)
        if client in clients or client is None:
            return kind, client


def test_a_notice_is_heard_at_commit_and_never_for_a_rollback(database_url):
    notices: queue.Queue = queue.Queue()
    listener = ChangeListener(libpq_url(database_url), [lambda *n: notices.put(n)]).start()
    try:
        assert listener.listening.wait(10)
        assert notices.get(timeout=10) == (None, None)  # what was sent before LISTEN is unknown
        rolled_back, committed = unique_clients(2)
        with psycopg.connect(libpq_url(database_url)) as pg:
            announce(pg, INGEST, [rolled_back, rolled_back])
            pg.rollback()
            announce(pg, STATS, [committed, committed])
            pg.commit()
        assert heard_of(notices, [rolled_back, committed]) == (STATS, committed)
    finally:
        listener.stop()


def test_a_listener_that_lost_its_connection_listens_again_and_says_anything_may_have_changed(
    database_url, pg
):
    notices: queue.Queue = queue.Queue()
    conninfo = libpq_url(database_url)
    listener = ChangeListener(conninfo, [lambda *n: notices.put(n)], retry_s=0.1).start()
    try:
        assert listener.listening.wait(10)
        assert notices.get(timeout=10) == (None, None)
        pg.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query LIKE 'LISTEN callpulse%%'"
        )
        assert heard_of(notices, []) == (None, None)
        (client,) = unique_clients(1)
        with psycopg.connect(conninfo) as conn:
            announce(conn, INGEST, [client])
        assert heard_of(notices, [client]) == (INGEST, client)
    finally:
        listener.stop()


def test_a_subscriber_that_fails_does_not_deafen_the_others(database_url):
    notices: queue.Queue = queue.Queue()

    def broken(kind: str | None, client: int | None) -> None:
        raise RuntimeError("a bug")

    listener = ChangeListener(libpq_url(database_url), [broken, lambda *n: notices.put(n)])
    listener.start()
    try:
        assert notices.get(timeout=10) == (None, None)
        (client,) = unique_clients(1)
        with psycopg.connect(libpq_url(database_url)) as conn:
            announce(conn, INGEST, [client])
        assert heard_of(notices, [client]) == (INGEST, client)
    finally:
        listener.stop()


def test_payloads_not_of_announce_read_as_anything_may_have_changed():
    assert parse("ingest:42") == ("ingest", 42)
    assert parse("stats:7") == ("stats", 7)
    for payload in ("", "ingest", "ingest:", "ingest:x", ":42", "stop"):
        assert parse(payload) == (None, None)


def test_nothing_to_announce_sends_nothing(database_url):
    with psycopg.connect(libpq_url(database_url)) as conn:
        announce(conn, INGEST, [])
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
