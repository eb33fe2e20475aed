"""Advisory locks: held by one transaction, refused or awaited by others, released at its end.

Each test takes the locks of a client of its own (a number no other test uses): the locks
are the database's, and tests running beside it on the same database (a Citus
coordinator's, shared by every test process) take the global ones.
"""

import itertools
import os
import threading
from collections.abc import Iterator

import psycopg
import pytest

from app.core.db import libpq_url
from app.core.locks import Lock, try_lock, wait_for_lock, wait_for_locks
from tests.waiting import backends_blocked_by, wait_for

_numbers = itertools.count(1)


@pytest.fixture
def own() -> int:
    """A client id no other test (in this process or another) takes locks of."""
    return 10**12 + os.getpid() * 10**4 + next(_numbers)  # no client has such an id


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


def test_try_fails_while_held_and_succeeds_after_commit(holder, other, own):
    assert try_lock(holder, Lock.AGGREGATION, own)
    assert not try_lock(other, Lock.AGGREGATION, own)
    other.rollback()
    holder.commit()
    assert try_lock(other, Lock.AGGREGATION, own)


def test_rollback_releases_too(holder, other, own):
    wait_for_lock(holder, Lock.ALERTS, own)
    assert not try_lock(other, Lock.ALERTS, own)
    other.rollback()
    holder.rollback()
    assert try_lock(other, Lock.ALERTS, own)


def test_the_holder_may_take_its_lock_again(holder, own):
    assert try_lock(holder, Lock.AGGREGATION, own)
    assert try_lock(holder, Lock.AGGREGATION, own)


def test_locks_keep_apart_only_their_own_work(holder, other, own):
    assert try_lock(holder, Lock.AGGREGATION, own)
    assert all(try_lock(other, lock, own) for lock in Lock if lock is not Lock.AGGREGATION)


def test_wait_blocks_until_the_holder_commits(holder, other, own):
    assert try_lock(holder, Lock.PARTITIONS, own)
    taken = threading.Event()

    def take() -> None:
        wait_for_lock(other, Lock.PARTITIONS, own)
        taken.set()

    waiter = threading.Thread(target=take)
    waiter.start()
    wait_for(lambda: backends_blocked_by(holder, holder.info.backend_pid), "the waiter to block")
    assert not taken.is_set()
    holder.commit()
    waiter.join(timeout=30)
    assert taken.is_set()


def test_sqlalchemy_connections_take_the_same_locks(database, other, own):
    with database.engine.begin() as conn:
        wait_for_lock(conn, Lock.MIGRATIONS, own)
        assert not try_lock(other, Lock.MIGRATIONS, own)
        other.rollback()
        assert try_lock(conn, Lock.MIGRATIONS, own)  # its own transaction holds it already
    assert try_lock(other, Lock.MIGRATIONS, own)


def test_locks_of_many_ids_are_each_ids_own(holder, other, own):
    wait_for_locks(holder, Lock.SCHEDULE, [own + 1, own, own])
    assert not try_lock(other, Lock.SCHEDULE, own)  # the same lock as one id's
    assert not try_lock(other, Lock.SCHEDULE, own + 1)
    assert try_lock(other, Lock.SCHEDULE, own + 2)
    holder.commit()
    assert try_lock(other, Lock.SCHEDULE, own) and try_lock(other, Lock.SCHEDULE, own + 1)
