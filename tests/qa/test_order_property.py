"""Any order of a batch's evaluations, split any way and replayed, stores the same rows."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_tenant, post
from tests.qa.helpers import PATH, evaluation, handled_calls

CALLS = ["c1", "c2", "c3", "c4"]
RECORDS = [
    {"id": f"e{i}", "call": CALLS[i % 4], "fatal": i % 3, "non_fatal": i % 5, "score": 60 + i}
    for i in range(6)
]


def stored(pg, client_code: str) -> list[tuple]:
    return pg.execute(
        "SELECT e.evaluation_id, e.call_id, e.fatal_errors, e.non_fatal_errors, e.score::float8"
        " FROM qa_evaluations e JOIN clients c ON c.id = e.client_id WHERE c.code = %s"
        " ORDER BY e.evaluation_id",
        [client_code],
    ).fetchall()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    order=st.permutations(range(len(RECORDS))),
    replays=st.lists(st.integers(0, len(RECORDS) - 1), max_size=6),
    cut=st.integers(0, len(RECORDS)),
)
def test_order_batches_and_replays_change_nothing(client, database, pg, order, replays, cut):
    tenant = make_tenant(database)
    handled_calls(client, tenant, tenant.queue, CALLS)
    records = [
        evaluation(
            r["id"],
            tenant.queue,
            call_id=r["call"],
            fatal=r["fatal"],
            non_fatal=r["non_fatal"],
            score=r["score"],
        )
        for r in RECORDS
    ]
    sent = [records[i] for i in order] + [records[i] for i in replays]
    answers = [post(client, PATH, part, tenant).json() for part in (sent[:cut], sent[cut:]) if part]
    assert sum(a["accepted"] for a in answers) == len(RECORDS)
    assert sum(a["duplicates"] for a in answers) == len(replays)
    assert all(a["rejected"] == [] for a in answers)
    assert stored(pg, tenant.client) == [
        (r["id"], r["call"], r["fatal"], r["non_fatal"], float(r["score"])) for r in RECORDS
    ]
