"""Periodic jobs keep their transaction to one core; other sessions keep parallel workers."""

from app.core.db import driver_connection, in_background


def _workers(pg) -> str:
    return pg.execute("SHOW max_parallel_workers_per_gather").fetchone()[0]


def test_a_background_transaction_uses_no_parallel_workers_and_only_itself(database):
    with database.session_scope() as session:
        pg = driver_connection(session)
        default = _workers(pg)
        in_background(pg)
        assert _workers(pg) == "0"
    with database.session_scope() as session:
        assert _workers(driver_connection(session)) == default != "0"
