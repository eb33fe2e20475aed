"""Engine and sessions: one commit per request (`get_session`) or per job (`session_scope`)."""

import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from fastapi import Request
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.core.embedded import start_embedded_postgres


def sqlalchemy_url(url: str) -> str:
    """Turn a plain libpq URL (`postgresql://…`, `postgres://…`) into a psycopg 3 one."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.drivername in ("postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def resolve_database_url(settings: Settings) -> str:
    """Return the configured server's URL, starting the embedded one when none is set."""
    if settings.database_url:
        return sqlalchemy_url(settings.database_url)
    return sqlalchemy_url(start_embedded_postgres(settings.resolved_data_dir))


def create_database(server_url: str, prefix: str) -> str:
    """Create a new, uniquely named database on the server and return its URL."""
    import secrets

    admin = make_url(sqlalchemy_url(server_url))
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(_libpq(admin.set(database="postgres")), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the database named in `url`, closing its connections first."""
    parsed = make_url(url)
    with psycopg.connect(_libpq(parsed.set(database="postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


def libpq_url(url: str) -> str:
    """Return a SQLAlchemy URL in the plain libpq form psycopg connects with."""
    return _libpq(make_url(url))


def _libpq(url: URL) -> str:
    """Render `url` for libpq: its query percent-encoded, since libpq reads a `+` as a plus,
    not a space (`options=-c x=y` would reach the server as `-c+x=y`)."""
    base = url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    pairs = [
        (name, value)
        for name, values in url.query.items()
        for value in ((values,) if isinstance(values, str) else values)
    ]
    if not pairs:
        return base
    return f"{base}?{urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)}"


class Database:
    """The engine and session factory of one process."""

    def __init__(self, url: str, pool_size: int = 10, pool_timeout_s: float = 10) -> None:
        self.url = url
        self.engine: Engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            pool_timeout=pool_timeout_s,
            connect_args={"connect_timeout": 5},
        )
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Database":
        """Connect to the configured (or embedded) PostgreSQL."""
        return cls(resolve_database_url(settings), pool_size=settings.db_pool_size)

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on error (jobs, CLI)."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def driver_connection(session: Session) -> psycopg.Connection:
    """Return the psycopg connection under a session's transaction (for COPY and raw SQL)."""
    connection = session.connection().connection.driver_connection
    if not isinstance(connection, psycopg.Connection):
        raise TypeError("CallPulse runs on psycopg 3 connections only")
    return connection


def in_background(pg: psycopg.Connection) -> None:
    """Keep this transaction to one core, and plan each of its statements for its arrays.

    The periodic jobs (aggregation, alert readings) read large spans after a burst; with
    parallel workers one such read takes every core for a second and every ingest commit
    waits behind it. On one core it takes longer, while ingest keeps the others.

    Their statements take arrays of targets (a few to tens of thousands). After five runs
    of a prepared statement PostgreSQL may keep a generic plan, made without the arrays
    (guessed at 100 elements): the recompute of 4,000 open agents' intervals went from
    0.12 s to 8–12 s a pass that way, every minute. Planning each run costs milliseconds.
    """
    pg.execute(
        "SET LOCAL max_parallel_workers_per_gather = 0;"
        " SET LOCAL plan_cache_mode = force_custom_plan"
    )


def get_database(request: Request) -> Database:
    """Return the app's database (FastAPI dependency)."""
    return request.app.state.database


def get_session(request: Request) -> Iterator[Session]:
    """Yield the request's session; it commits once, when the route returns.

    Declare it `Depends(get_session, scope="function")`: the commit then runs before the
    answer is sent, so a failed commit is answered as an error (503 for a lost connection
    or a serialization failure) instead of following a 200 for a change that never landed.
    """
    with get_database(request).session_scope() as session:
        yield session
