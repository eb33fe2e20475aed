"""For any bucket of `/v1/metrics`, the `/v1/qa-evaluations` rows of the same scope and range
are the evaluations its QA figures are made of: their count is `qa_evaluated`, their fatal
and non-fatal errors and scores recompute `fatal_accuracy`, `non_fatal_accuracy` and
`qa_score` — for the client and, on a queue two vendors serve, for each vendor's key."""

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.kpi.definitions import fatal_accuracy, non_fatal_accuracy, qa_score
from app.kpi.sources import NO_DATA
from tests.factories import make_tenant, post
from tests.qa.helpers import PATH, evaluation, handled_calls

RANGE = {"from": "2026-11-20", "to": "2026-11-22"}
# calls of each vendor on the shared queue: (call id, agent)
CALLS = {0: [("v0", "a1"), ("v1", "a1"), ("v2", "a2")], 1: [("o0", "a1"), ("o1", "a3")]}

evaluations = st.lists(
    st.tuples(
        st.sampled_from([(v, *c) for v, calls in CALLS.items() for c in calls]),
        st.integers(0, 2 * 24 * 60 - 1),  # minute of the two local days
        st.integers(0, 1),  # fatal errors: at most one, so accuracy is never floored
        st.integers(0, 3),  # non-fatal errors: may floor the accuracy at 0
        st.integers(0, 100),
    ),
    max_size=14,
)


def listing(client, auth: dict, **params: str) -> list[dict]:
    """Every listed evaluation, read page by page (3 rows a page)."""
    rows, cursor = [], None
    while True:
        page = {"limit": "3", **params, **({"cursor": cursor} if cursor else {})}
        response = client.get(PATH, params=page, headers=auth)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["qa-evaluations"]
        if not (cursor := body["next_cursor"]):
            return rows


def recomputed(rows: list[dict]) -> dict[str, float | None]:
    """The bucket's QA figures from its listed rows alone, through the catalogue's functions."""
    c = NO_DATA | {
        "qa_evaluated": len(rows),
        "qa_fatal_errors": sum(r["fatal_errors"] for r in rows),
        "qa_non_fatal_errors": sum(r["non_fatal_errors"] for r in rows),
        "qa_score_sum": sum(r["score"] for r in rows),
    }
    return {
        "qa_evaluated": len(rows),
        "fatal_accuracy": fatal_accuracy(c),
        "non_fatal_accuracy": non_fatal_accuracy(c),
        "qa_score": qa_score(c),
    }


def _local(minute: int) -> str:
    """Return the Shanghai time `minute` minutes after 2026-11-20 00:00."""
    day, rest = divmod(minute, 24 * 60)
    return f"2026-11-{20 + day}T{rest // 60:02d}:{rest % 60:02d}:00+08:00"


def series(client, auth: dict, **params: str) -> list[dict]:
    response = client.get("/v1/metrics", params={**RANGE, **params}, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()["series"]


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=evaluations, granularity=st.sampled_from(["interval", "hour", "day"]))
def test_listed_evaluations_make_every_qa_figure(client, database, sent, granularity):
    tenant = make_tenant(database)
    queue, keys = tenant.shared_queue, [tenant.key, tenant.other_key]
    for vendor, calls in CALLS.items():
        for agent in sorted({a for _, a in calls}):
            ids = [c for c, a in calls if a == agent]
            handled_calls(client, tenant, queue, ids, agent=agent, key=keys[vendor])
    records = [
        evaluation(
            f"x{i}",
            queue,
            call_id=call,
            agent=agent,
            at=_local(minute),
            fatal=fatal,
            non_fatal=non_fatal,
            score=score,
        )
        for i, ((_, call, agent), minute, fatal, non_fatal, score) in enumerate(sent)
    ]
    if records:  # the client's QA team evaluates both vendors' calls
        answer = post(client, PATH, records, tenant, key=tenant.client_key).json()
        assert answer["accepted"] == len(records), answer
    for viewer in (tenant.client_key, *keys):
        auth = tenant.auth(viewer)
        listed = 0
        for bucket in series(client, auth, queue=queue, granularity=granularity):
            rows = listing(client, auth, queue=queue, **{"from": bucket["start"]}, to=bucket["end"])
            listed += len(rows)
            for name, value in recomputed(rows).items():
                assert value == pytest.approx(bucket[name]), (name, bucket["start"])
        everything = listing(client, auth, queue=queue, **RANGE)
        assert listed == len(everything)
        assert {r["evaluation_id"] for r in everything} <= {r["evaluation_id"] for r in records}
    # per agent, as a vendor's key reads them
    for key in keys:
        auth = tenant.auth(key)
        for row in series(client, auth, queue=queue, granularity="month", by="agent"):
            rows = listing(client, auth, queue=queue, agent=row["agent"], **RANGE)
            for name, value in recomputed(rows).items():
                assert value == pytest.approx(row[name]), (name, row["agent"])


def test_the_csv_lists_the_same_rows_with_both_languages(client, tenant):
    handled_calls(client, tenant, tenant.queue, ["cv1"])
    sent = [
        evaluation("cv-e1", tenant.queue, call_id="cv1", fatal=1, score=70),
        evaluation("cv-e2", tenant.queue, call_id="cv1", at="2026-11-20T16:00:00+08:00"),
    ]
    assert post(client, PATH, sent, tenant).json()["accepted"] == 2
    params = {"queue": tenant.queue, **RANGE}
    response = client.get(f"{PATH}.csv", params=params, headers=tenant.auth(tenant.client_key))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[0] == "Evaluation ID / 质检编号"
    assert "Evaluated at (Asia/Shanghai) / 质检时间 (Asia/Shanghai)" in header
    assert "Fatal errors / 致命错误数" in header
    assert [(r[0], r[header.index("Fatal errors / 致命错误数")]) for r in rows] == [
        ("cv-e1", "1"),
        ("cv-e2", "0"),
    ]
    zh = client.get(
        PATH, params={**params, "format": "csv", "lang": "zh"}, headers=tenant.auth(tenant.key)
    )
    assert zh.content.decode("utf-8-sig").startswith("质检编号 / Evaluation ID")


def test_a_vendor_key_never_lists_another_vendors_evaluations(client, tenant):
    handled_calls(client, tenant, tenant.shared_queue, ["sv1"], key=tenant.other_key)
    sent = [evaluation("sv-e1", tenant.shared_queue, call_id="sv1")]
    assert post(client, PATH, sent, tenant, key=tenant.client_key).json()["accepted"] == 1
    params = {"queue": tenant.shared_queue, **RANGE}
    assert listing(client, tenant.auth(tenant.key), **params) == []
    [row] = listing(client, tenant.auth(tenant.other_key), **params)
    assert (row["vendor"], row["evaluated_at"]) == (
        tenant.other_vendor,
        "2026-11-20T15:00:00+08:00",
    )
    widened = client.get(
        PATH, params={**params, "vendor": tenant.other_vendor}, headers=tenant.auth(tenant.key)
    )
    assert widened.status_code == 400 and "vendor: unknown vendor" in widened.text
    unknown = client.get(
        PATH, params={**params, "agent": "nobody"}, headers=tenant.auth(tenant.client_key)
    )
    assert unknown.status_code == 400 and "agent: unknown agent 'nobody'" in unknown.text
