"""The failed-login throttle: per user and per address, kept in PostgreSQL for every replica.

A user with `login_max_failures_per_user` failed logins within `login_failure_window_s`, or
an address with `login_max_failures_per_address`, waits until the oldest of those failures
leaves the window. A correct password clears the user's failures.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.models import LoginFailure

USERNAME_LENGTH = 128


@dataclass(frozen=True)
class LoginLimits:
    """How many failures within what window block further attempts."""

    per_user: int
    per_address: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> "LoginLimits":
        """Read the limits from the settings."""
        return cls(
            settings.login_max_failures_per_user,
            settings.login_max_failures_per_address,
            timedelta(seconds=settings.login_failure_window_s),
        )


def throttle_key(username: str) -> str:
    """Return the name failures are counted under (what the users table could hold)."""
    return username.replace("\x00", "")[:USERNAME_LENGTH]


def login_wait_s(session: Session, limits: LoginLimits, username: str, address: str) -> float:
    """Return the seconds until this user may try again from this address; 0 = now."""
    now = session.scalar(select(func.now()))
    assert now is not None
    by_user = _blocked_until(
        session, LoginFailure.username == throttle_key(username), limits.per_user, limits.window
    )
    by_address = _blocked_until(
        session, LoginFailure.address == address, limits.per_address, limits.window
    )
    blocked = [until for until in (by_user, by_address) if until is not None and until > now]
    return max((until - now).total_seconds() for until in blocked) if blocked else 0.0


def _blocked_until(
    session: Session, which: ColumnElement[bool], limit: int, window: timedelta
) -> datetime | None:
    """Return when the `limit`-th most recent failure leaves the window, if there are that many."""
    nth = session.scalar(
        select(LoginFailure.failed_at)
        .where(which, LoginFailure.failed_at > func.now() - window)
        .order_by(LoginFailure.failed_at.desc())
        .offset(limit - 1)
        .limit(1)
    )
    return nth + window if nth is not None else None


def record_login_failure(
    session: Session, limits: LoginLimits, username: str, address: str
) -> None:
    """Count one failed login, and forget failures that left the window."""
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at < func.now() - limits.window))
    session.add(LoginFailure(username=throttle_key(username), address=address))
    session.flush()


def clear_login_failures(session: Session, username: str) -> None:
    """Forget a user's failures after a correct password."""
    session.execute(delete(LoginFailure).where(LoginFailure.username == throttle_key(username)))
