"""A database outage shows in a worker's log as one line per job when it begins and one when
it ends, not as a traceback at every run (issue 16 item 2: the jobs resume on their own).

The outage is real: every backend of a database of the test's own is terminated and the
database refuses new connections (`ALLOW_CONNECTIONS false`) until it is given back.
"""

import logging
import queue
import re
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from app.core.changes import ChangeListener
from app.core.config import Settings
from app.core.db import Database, create_database, drop_database, libpq_url
from app.core.outage import RefusalLog
from app.jobs import Jobs, OutageLogged
from app.migrate import upgrade
from app.partitions import PartitionManager
from tests.clocks import HandClock
from tests.waiting import wait_for


class LockedOut:
    """A migrated database this test may cut off (terminate its sessions, refuse new ones)."""

    def __init__(self, server_url: str) -> None:
        self.url = create_database(server_url, "callpulse_outage")
        self.name = make_url(self.url).database
        self.admin = libpq_url(server_url)
        self.database = Database(self.url, pool_size=2)
        upgrade(self.database)

    def cut(self) -> None:
        """Refuse new connections and end every open one."""
        with psycopg.connect(self.admin, autocommit=True) as pg:
            pg.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
            pg.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [self.name],
            )

    def give_back(self) -> None:
        """Accept connections again."""
        with psycopg.connect(self.admin, autocommit=True) as pg:
            pg.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')


@pytest.fixture
def locked_out(database_url: str) -> Iterator[LockedOut]:
    """A database of the test's own on the suite's server (never the suite's database)."""
    target = LockedOut(database_url)
    yield target
    target.give_back()
    target.database.dispose()
    drop_database(target.url)


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The records the outage logs wrote (the jobs' and the change listener's)."""
    return [r for r in caplog.records if "database " in r.getMessage()]


def test_each_job_logs_an_outage_once_and_its_end_once(locked_out, caplog):
    settings = Settings(database_url=locked_out.url, scheduler=False)
    jobs = Jobs(locked_out.database, PartitionManager(locked_out.database.engine), settings)
    runs = {job.id: job.func for job in jobs.scheduler.get_jobs()}
    with caplog.at_level(logging.WARNING, logger="app.jobs"):
        for run in runs.values():
            run()
        assert outage_lines(caplog) == [], "a healthy run logs nothing"
        locked_out.cut()
        for _ in range(3):  # three runs of every job during the outage
            for run in runs.values():
                run()
        began = outage_lines(caplog)
        locked_out.give_back()
        for run in runs.values():
            run()
        ended = outage_lines(caplog)[len(began) :]
    jobs_down = [r.getMessage().split(":")[0] for r in began]
    # partitions-ahead knows its partitions exist and needs no database until a month turns
    assert sorted(jobs_down) == sorted(set(jobs_down)), "one line per job and outage"
    assert {"aggregate", "alerts", "open-agent-states", "own-forecast"} <= set(jobs_down)
    for record in began:
        message = record.getMessage()
        assert "database unavailable, retrying: psycopg." in message, message
        assert "\n" not in message and record.exc_info is None, "one line, no traceback"
    assert sorted(r.getMessage().split(":")[0] for r in ended) == sorted(jobs_down)
    for record in ended:  # the aggregation skips runs in its rest: at most 3 tries
        assert re.fullmatch(
            r"[\w-]+: database back after [\d.]+ s \(([23] failed tries|1 failed try)\)",
            record.getMessage(),
        )


def test_a_job_error_that_is_no_outage_is_raised():
    def broken() -> None:
        raise ZeroDivisionError("a bug")

    with pytest.raises(ZeroDivisionError):
        OutageLogged("alerts", broken)()


def test_the_change_listener_logs_an_outage_once_and_its_end_once(locked_out, caplog):
    notices: queue.Queue = queue.Queue()
    listener = ChangeListener(
        libpq_url(locked_out.url), [lambda *n: notices.put(n)], retry_s=0.05
    ).start()
    try:
        with caplog.at_level(logging.WARNING, logger="app.core.changes"):
            assert listener.listening.wait(10)
            locked_out.cut()
            wait_for(lambda: listener.outage.failures >= 5, "the listener retrying", 30)
            locked_out.give_back()
            wait_for(lambda: listener.outage.down_since is None, "the listener back", 30)
    finally:
        listener.stop()
    messages = [r.getMessage() for r in outage_lines(caplog)]
    assert len(messages) == 2, messages
    assert messages[0].startswith("change listener: database unavailable, retrying: psycopg.")
    assert "\n" not in messages[0]
    assert messages[1].startswith("change listener: database back after")


def test_refused_requests_are_logged_one_line_now_and_then_with_their_count(caplog):
    clock = HandClock()
    refusals = RefusalLog(logging.getLogger("callpulse.test.refusals"), every_s=5, clock=clock)
    lost = psycopg.OperationalError("connection refused\nIs the server running on that host?")
    with caplog.at_level(logging.WARNING, logger="callpulse.test.refusals"):
        for _ in range(4):  # a burst: the first is logged at once, the rest counted
            refusals.refused("database unavailable", lost)
            clock.now += 1
        clock.now += 2
        refusals.refused("database unavailable", lost)
    assert [r.getMessage() for r in caplog.records] == [
        "database unavailable, answered 503: psycopg.OperationalError: connection refused",
        "database unavailable, answered 503: psycopg.OperationalError: connection refused"
        " (and 3 more refused since the last line)",
    ]
