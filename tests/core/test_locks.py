"""Advisory locks: held by one transaction, refused or awaited by others, released at its end."""

import threading
from collections.abc import Iterator

import psycopg
import pytest

from app.core.db import libpq_url
from app.core.locks import Lock, try_lock, wait_for_lock
from tests.waiting import backends_blocked_by, wait_for


@pytest.fixture
def holder(database_url: str) -> Iterator[psycopg.Connection]:
    """A connection in a transaction of its own (not autocommit), to hold locks."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        yield conn


@pytest.fixture
def other(database_url: str) -> Iterator[psycopg.Connection]:
    """A second such connection, to compete for them."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        yield conn


def test_try_fails_while_held_and_succeeds_after_commit(holder, other):
    assert try_lock(holder, Lock.AGGREGATION)
    assert not try_lock(other, Lock.AGGREGATION)
    other.rollback()
    holder.commit()
    assert try_lock(other, Lock.AGGREGATION)


def test_rollback_releases_too(holder, other):
    wait_for_lock(holder, Lock.ALERTS)
    assert not try_lock(other, Lock.ALERTS)
    other.rollback()
    holder.rollback()
    assert try_lock(other, Lock.ALERTS)


def test_the_holder_may_take_its_lock_again(holder):
    assert try_lock(holder, Lock.AGGREGATION)
    assert try_lock(holder, Lock.AGGREGATION)


def test_locks_keep_apart_only_their_own_work(holder, other):
    assert try_lock(holder, Lock.AGGREGATION)
    assert all(try_lock(other, lock) for lock in Lock if lock is not Lock.AGGREGATION)


def test_wait_blocks_until_the_holder_commits(holder, other):
    assert try_lock(holder, Lock.PARTITIONS)
    taken = threading.Event()

    def take() -> None:
        wait_for_lock(other, Lock.PARTITIONS)
        taken.set()

    waiter = threading.Thread(target=take)
    waiter.start()
    wait_for(lambda: backends_blocked_by(holder, holder.info.backend_pid), "the waiter to block")
    assert not taken.is_set()
    holder.commit()
    waiter.join(timeout=30)
    assert taken.is_set()


def test_sqlalchemy_connections_take_the_same_locks(database, other):
    with database.engine.begin() as conn:
        wait_for_lock(conn, Lock.MIGRATIONS)
        assert not try_lock(other, Lock.MIGRATIONS)
        other.rollback()
        assert try_lock(conn, Lock.MIGRATIONS)  # its own transaction holds it already
    assert try_lock(other, Lock.MIGRATIONS)
