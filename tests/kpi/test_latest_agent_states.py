"""Each agent's latest state (`queries.latest_agent_states`, one lookup per agent) equals the
newest of its changes of the last day up to now, computed here from the changes sent, for
random histories: changes in any order, some a day old, some minutes ahead, logoffs."""

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.vocabulary import LOGGED_IN_STATES, LOGGED_OUT
from app.kpi import queries
from tests.factories import post
from tests.kpi.helpers import client_id

STATES = [*LOGGED_IN_STATES, LOGGED_OUT]
# Seconds before now, far from the day's edge and from now, so that the moment the read
# runs cannot change the answer: within the day, more than a day ago, or ahead of now.
WITHIN = st.integers(10, 23 * 3600)
OLD = st.integers(24 * 3600 + 600, 26 * 3600)
AHEAD = st.integers(-240, -60)
CHANGE = st.tuples(st.one_of(WITHIN, WITHIN, OLD, AHEAD), st.sampled_from(STATES))
HISTORIES = st.lists(st.lists(CHANGE, min_size=1, max_size=6), min_size=1, max_size=6)
RUNS = itertools.count()


def sent(history: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Return an agent's changes in the order they are sent: newest first, so that the
    order they arrive in is not the order they happened in."""
    return sorted(history, key=lambda change: change[0])


def expected(histories: list[list[tuple[int, str]]], now: datetime) -> set[tuple]:
    """Each agent's newest change within the last day and not ahead of now, unless a logoff."""
    latest = set()
    for n, history in enumerate(histories):
        # two changes at one moment: the one sent last is stored
        moments = {now - timedelta(seconds=ago): state for ago, state in sent(history)}
        shown = [at for at in moments if now - timedelta(days=1) < at <= now]
        if shown and moments[max(shown)] != LOGGED_OUT:
            latest.add((f"a{n}", moments[max(shown)], max(shown)))
    return latest


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories=HISTORIES)
def test_latest_states_are_the_newest_change_of_the_day(client, tenant, pg, histories):
    run, now = next(RUNS), datetime.now(UTC).replace(microsecond=0)
    q = tenant.queue
    events = [
        {"agent": f"r{run}-a{n}", "state": state, "at": (now - timedelta(seconds=ago)).isoformat()}
        | {"queues": [q]}
        for n, history in enumerate(histories)
        for ago, state in sent(history)
    ]
    answer = post(client, "/v1/agent-events", events, tenant).json()
    assert answer["accepted"] + answer["duplicates"] == len(events), answer
    (queue_id,) = pg.execute("SELECT id FROM queues WHERE code = %s", [q]).fetchone()
    rows = queries.latest_agent_states(pg, [client_id(pg, tenant.client)], [queue_id], None)
    prefix = f"r{run}-"
    got = {
        (code.removeprefix(prefix), state, at)
        for _, _, code, _, state, at, _ in rows
        if code.startswith(prefix)
    }
    assert got == expected(histories, now)
