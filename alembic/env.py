"""Alembic environment: the URL comes from CallPulse's settings (or a passed connection)."""

from alembic import context
from sqlalchemy import create_engine

from app.core.config import get_settings
from app.core.db import resolve_database_url
from app.models import Base
from app.partitions import include_in_migrations

target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run migrations on the connection passed in, or on the configured database."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(resolve_database_url(get_settings()))
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection, target_metadata=target_metadata, include_object=include_in_migrations
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
