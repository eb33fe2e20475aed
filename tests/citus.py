"""A test database on a Citus cluster: on the coordinator and every worker, ready to distribute.

Citus keeps its extension and its node list per database, and creates a database on the
workers only when `citus.enable_create_database_propagation` is on; so each session's
database is made on every node, the extension created in each, and the nodes registered in
it as they are in the database of CALLPULSE_TEST_CITUS_URL.
"""

import time

import psycopg
from sqlalchemy import URL, make_url

from app.core import db

NODES = "SELECT nodename, nodeport FROM pg_dist_node WHERE noderole = 'primary' AND groupid <> 0"


def create_database(coordinator_url: str, prefix: str) -> str:
    """Create a uniquely named database on every node of the cluster and return its URL.

    One session at a time (an advisory lock in the database of `coordinator_url`): two
    registering their nodes at once both sync the `postgres` role to a worker, and one fails
    ("tuple concurrently updated"). A database whose setup failed is dropped again.
    """
    with psycopg.connect(db.libpq_url(coordinator_url), autocommit=True) as conn:
        workers = conn.execute(NODES).fetchall()
        if not workers:
            raise RuntimeError(
                f"no workers registered in {coordinator_url}: run citus_add_node there first"
            )
        conn.execute("SELECT pg_advisory_lock(hashtext('callpulse test databases'))")
        url = db.create_database(coordinator_url, prefix)
        try:
            _set_up(url, workers)
        except Exception:
            _drop_from(url, workers)
            raise
    return url


def _set_up(url: str, workers: list[tuple]) -> None:
    """Create the database on every worker, the extension on every node, and register the
    coordinator and the workers in it."""
    coordinator = make_url(url)
    name = coordinator.database
    for host, port in workers:
        worker = coordinator.set(host=host, port=port)
        with psycopg.connect(_libpq(worker.set(database="postgres")), autocommit=True) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                c.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(_libpq(worker)) as c:
            c.execute("CREATE EXTENSION IF NOT EXISTS citus")
    with psycopg.connect(db.libpq_url(url), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS citus")
        conn.execute(
            "SELECT citus_set_coordinator_host(%s, %s)",
            [coordinator.host, coordinator.port or 5432],
        )
        for host, port in workers:
            conn.execute("SELECT citus_add_node(%s, %s)", [host, port])


def drop_database(url: str) -> None:
    """Drop the database from the coordinator, then from every worker.

    Not propagated: a propagated drop fails on a worker where the coordinator's own
    connections to the database have not closed yet; a direct one with FORCE closes them."""
    with psycopg.connect(db.libpq_url(url)) as conn:
        workers = conn.execute(NODES).fetchall()
    _drop_from(url, workers)


def _drop_from(url: str, workers: list[tuple]) -> None:
    """Drop the database from the coordinator of `url`, then from these workers."""
    parsed = make_url(url)
    nodes = [(parsed.host, parsed.port), *workers]
    for host, port in nodes:
        admin = _libpq(parsed.set(host=host, port=port, database="postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            if (host, port) == nodes[0]:
                conn.execute("SET citus.enable_create_database_propagation TO off")
            _drop(conn, parsed.database)


def _drop(conn: psycopg.Connection, name: str | None, attempts: int = 50) -> None:
    """Drop a database, retrying while a session that FORCE did not end still holds it
    (seen once, after tests/dashboards on Citus: "1 other session using the database")."""
    for attempt in range(attempts):
        try:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except psycopg.errors.ObjectInUse:
            if attempt == attempts - 1:
                raise
            time.sleep(0.1)


def _text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _libpq(url: URL) -> str:
    return db.libpq_url(_text(url))
