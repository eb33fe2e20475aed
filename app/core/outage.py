"""Database outages in the log: in background loops one line when it goes and one when it is
back; for refused requests one line now and then, with how many there were.

A periodic job or a listener that meets a lost database fails at every try, every second of a
failover or a restart. A traceback each time buries the two moments an operator needs (when
the database went, when it came back) and says nothing more. Errors that are not an outage (a
bug, a broken constraint) are not these and keep their tracebacks.
"""

import logging
import time
from collections.abc import Callable

import psycopg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

# What a lost, restarting or unreachable server raises: SQLAlchemy's wrappers and psycopg's own.
UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


def driver_error(exc: BaseException) -> BaseException:
    """Return the driver's exception under SQLAlchemy's wrapper (or `exc` itself)."""
    return exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` says the database is unreachable, or read-only (a demoted primary)."""
    return isinstance(exc, UNAVAILABLE) or isinstance(
        driver_error(exc), psycopg.errors.ReadOnlySqlTransaction
    )


def summary(exc: BaseException) -> str:
    """The driver's error class and the first line of its message, for a one-line log."""
    cause = driver_error(exc)
    first = next(iter(str(cause).strip().splitlines()), "")
    return f"{type(cause).__module__}.{type(cause).__qualname__}: {first}"


class OutageLog:
    """Logs when `what` lost the database (its first failure) and when it has it back."""

    def __init__(
        self, what: str, log: logging.Logger, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.what, self.log, self.clock = what, log, clock
        self.down_since: float | None = None
        self.failures = 0

    def failed(self, exc: BaseException) -> None:
        """Log the first failure of an outage; count the others."""
        self.failures += 1
        if self.down_since is None:
            self.down_since = self.clock()
            self.log.warning("%s: database unavailable, retrying: %s", self.what, summary(exc))

    def succeeded(self) -> None:
        """Log the end of an outage, at the first success after it.

        A warning too: `callpulse worker` sets up no logging, and Python then prints warnings
        only; the line saying the outage ended belongs beside the one saying it began.
        """
        if self.down_since is None:
            return
        self.log.warning(
            "%s: database back after %.1f s (%d failed %s)",
            self.what,
            self.clock() - self.down_since,
            self.failures,
            "try" if self.failures == 1 else "tries",
        )
        self.down_since, self.failures = None, 0


class RefusalLog:
    """Logs requests answered 503 for an outage: the first at once, then at most one line per
    `every_s`, saying how many were refused since the line before (a failover refuses
    hundreds, and their tracebacks would bury everything else)."""

    def __init__(
        self, log: logging.Logger, every_s: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.log, self.every_s, self.clock = log, every_s, clock
        self.logged_at: float | None = None
        self.unlogged = 0

    def refused(self, what: str, exc: BaseException) -> None:
        """Count a refused request; log it when no line was logged for `every_s`."""
        self.unlogged += 1
        now = self.clock()
        if self.logged_at is not None and now - self.logged_at < self.every_s:
            return
        more = self.unlogged - 1
        since = f" (and {more} more refused since the last line)" if more else ""
        self.log.warning("%s, answered 503: %s%s", what, summary(exc), since)
        self.logged_at, self.unlogged = now, 0
