"""A route that writes commits before it answers: a failed commit is an error, never a 200."""

import secrets

import httpx
from fastapi.routing import APIRoute

from app.core.db import get_session


def open_alert(pg, tenant) -> int:
    """Store an open alert on the tenant's queue (under a rule of that queue only)."""
    rule = pg.execute(
        "INSERT INTO alert_rules (name, queue_ids, metric, window_min, op, threshold, min_volume,"
        " severity, ack_within_min) SELECT %s, ARRAY[id], 'service_level', 10, '<', 0.8, 0,"
        " 'critical', 10 FROM queues WHERE code = %s RETURNING id",
        [f"commit-{tenant.queue}", tenant.queue],
    ).fetchone()[0]
    return pg.execute(
        "INSERT INTO alerts (client_id, queue_id, rule_id, state, value, threshold, opened_at,"
        " last_value) SELECT client_id, id, %s, 'open', 0.5, 0.8, now(), 0.5 FROM queues"
        " WHERE code = %s RETURNING id",
        [rule, tenant.queue],
    ).fetchone()[0]


def test_ack_whose_commit_fails_is_not_acknowledged(live_server, pg, tenant):
    alert_id = open_alert(pg, tenant)
    # A deferred constraint trigger refuses the commit of any change to this alert, the way
    # a serialization failure or a lost connection at COMMIT would.
    name = f"refuse_commit_{secrets.token_hex(4)}"
    if pg.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'").fetchone():
        pg.execute("SET citus.enable_unsafe_triggers TO on")  # a trigger on a distributed table
    pg.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " RAISE EXCEPTION 'commit refused by the test' USING ERRCODE = 'serialization_failure';"
        " END $$"
    )
    pg.execute(
        f"CREATE CONSTRAINT TRIGGER {name} AFTER UPDATE ON alerts DEFERRABLE INITIALLY DEFERRED"
        f" FOR EACH ROW WHEN (NEW.id = {alert_id}) EXECUTE FUNCTION {name}()"
    )
    try:
        answer = httpx.post(
            f"{live_server}/v1/alerts/{alert_id}/ack", headers=tenant.auth(tenant.client_key)
        )
    finally:
        pg.execute(f"DROP TRIGGER {name} ON alerts")
        pg.execute(f"DROP FUNCTION {name}()")
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"]
    state = pg.execute("SELECT state FROM alerts WHERE id = %s", [alert_id]).fetchone()[0]
    assert state == "open"
    # and without the trigger the same request acknowledges it
    again = httpx.post(
        f"{live_server}/v1/alerts/{alert_id}/ack", headers=tenant.auth(tenant.client_key)
    )
    assert again.status_code == 200 and again.json()["state"] == "acknowledged"


def test_every_request_session_commits_before_the_answer(client):
    """Each route's session ends (commits) when the route returns, before the answer is sent."""
    found = 0

    def walk(dependant) -> None:
        nonlocal found
        for sub in dependant.dependencies:
            if sub.call is get_session:
                found += 1
                assert sub.scope == "function", f"{route.path} ends its session after answering"
            walk(sub)

    def routes(container):  # included routers nest their routes (FastAPI ≥ 0.160)
        for route in container.routes:
            inner = getattr(route, "original_router", None)
            yield from routes(inner) if inner is not None else [route]

    for route in routes(client.app):
        if isinstance(route, APIRoute):
            walk(route.dependant)
    assert found
