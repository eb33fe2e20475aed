"""The periodic jobs plan each statement for its arrays: no generic plan is kept.

psycopg prepares a statement at its 6th run; from the 6th run of a prepared statement
PostgreSQL may keep a plan made without its parameters, which guesses 100 elements for an
array. With more targets than that the guess looks cheaper, and the minute's recompute of a
floor's open agents took 8–12 s instead of 0.12 s (2,000 agents late in a day,
`bench/wallboard.py`'s floor).
"""

from datetime import UTC, datetime, timedelta

from app.core.db import Database, driver_connection
from app.kpi.aggregation import mark_open_agents, run_pass
from tests.factories import post

AGENTS, CHANGES = 300, 8  # over the planner's guess of 100 array elements


def test_the_open_agents_pass_keeps_custom_plans(client, settings, tenant):
    now = datetime.now(UTC)
    states = ("available", "talking", "acw", "not_ready")
    events = [
        {
            "agent": f"a{i}",
            "state": states[(i + h) % 4],
            "queues": [tenant.queue],
            "at": (now - timedelta(seconds=30 + h * 1200)).isoformat(),
        }
        for i in range(AGENTS)
        for h in range(CHANGES)
    ]
    for start in range(0, len(events), 1000):  # a first pass recomputes 2,400 intervals
        batch = events[start : start + 1000]
        assert post(client, "/v1/agent-events", batch, tenant).json()["accepted"] == len(batch)
    database = Database(settings.database_url, pool_size=1)  # every pass on one connection
    try:
        for _ in range(12):  # prepared from the 6th run, a generic plan may stay from the 11th
            assert mark_open_agents(database, settings) >= AGENTS
            assert run_pass(database, settings).recomputed["agent"] >= AGENTS
        with database.session_scope() as session:
            plans = (
                driver_connection(session)
                .execute(
                    "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
                )
                .fetchall()
            )
    finally:
        database.dispose()
    recompute = [p for p in plans if "INSERT INTO agent_interval_stats" in p[0]]
    assert recompute and recompute[0][2] >= 3, plans  # prepared from the 6th run, then planned
    taking_arrays = [p for p in plans if "[]" in p[0]]
    assert [p[:2] for p in taking_arrays if p[1]] == [], "generic plans kept"
