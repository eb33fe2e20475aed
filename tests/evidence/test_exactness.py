"""For any bucket of `/v1/metrics`, the `/v1/calls` rows of the same scope and range count
its components and recompute its KPIs, whatever the data (late corrections included), for
the client and, on a queue two vendors serve, for each vendor's key."""

import random
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.vocabulary import SL_FORMULA_NAMES
from app.kpi.aggregation import drain
from tests.factories import make_tenant, post
from tests.kpi.test_aggregation import BASE, calls_strategy, records_for

COMPONENTS = {  # metric → the listing filter whose row count equals it
    "answered": {"outcome": "answered"},
    "abandoned": {"outcome": "abandoned"},
    "short_abandoned": {"outcome": "short_abandoned"},
    "overflowed": {"outcome": "overflowed"},
    "blocked": {"outcome": "blocked"},
    "answered_within_threshold": {"outcome": "answered", "sl": "met"},
}


def listing(client, queue: str, auth: dict, start: str, end: str, **filters) -> list[dict]:
    response = client.get(
        "/v1/calls",
        params={"queue": queue, "from": start, "to": end, "limit": 1000, **filters},
        headers=auth,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    return body["calls"]


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def recomputed(rows: list[dict]) -> dict[str, float | None]:
    """The bucket's KPIs from its listed rows alone."""
    answered = [r for r in rows if r["outcome"] in ("answered", "in_progress")]
    handled = [r for r in rows if r["outcome"] == "answered"]
    offered = len(answered) + sum(r["outcome"] in ("abandoned", "overflowed") for r in rows)
    judged = [r["sl_met"] for r in rows if r["sl_met"] is not None]
    return {
        "service_level": mean([float(v) for v in judged]),
        "asa_s": mean([r["wait_s"] for r in answered]),
        "aht_s": mean([r["talk_s"] + r["hold_s"] + r["acw_s"] for r in handled]),
        "abandon_rate": sum(r["outcome"] == "abandoned" for r in rows) / offered
        if offered
        else None,
        "csat": mean(
            [r["csat"] for r in rows if r["csat"] is not None and r["outcome"] != "outbound"]
        ),
        "handled": len(handled),
        "offered": offered,
        "received": sum(r["outcome"] != "outbound" for r in rows),
    }


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    calls=calls_strategy,
    seed=st.integers(0, 2**32),
    moves=st.integers(0, 3),
    formula=st.sampled_from(SL_FORMULA_NAMES),
    threshold=st.sampled_from([10, 20, 60]),
    short=st.sampled_from([0, 5, 30]),
    granularity=st.sampled_from(["interval", "hour", "day"]),
    shared=st.booleans(),
)
def test_listed_rows_count_every_component_and_recompute_every_kpi(
    client,
    database,
    settings,
    pg,
    calls,
    seed,
    moves,
    formula,
    threshold,
    short,
    granularity,
    shared,
):
    tenant = make_tenant(database)
    # On the shared queue each vendor's feed sends every other call (by call number).
    queue = tenant.shared_queue if shared else tenant.queue
    feeds = [tenant.key, tenant.other_key] if shared else [tenant.key]
    pg.execute(
        "UPDATE queues SET sl_formula = %s, sl_threshold_s = %s, short_abandon_s = %s"
        " WHERE code = %s",
        [formula, threshold, short, queue],
    )
    rng = random.Random(seed)
    items = [r for i, c in enumerate(calls) for r in records_for(queue, i, *c)]
    rng.shuffle(items)
    for i in range(min(moves, len(calls))):  # late corrections move calls between buckets
        moved = BASE - timedelta(hours=10 * (i % 2), minutes=20 + i)
        items.append(
            ("/v1/calls", {"call_id": f"p{i}", "queue": queue, "offered_at": moved.isoformat()})
        )
    for start in range(0, len(items), 8):  # in batches; the corrections come last, late
        for path in ("/v1/calls", "/v1/call-events"):
            for n, key in enumerate(feeds):
                chunk = [
                    r
                    for p, r in items[start : start + 8]
                    if p == path and int(r["call_id"][1:]) % len(feeds) == n
                ]
                if chunk:
                    post(client, path, chunk, tenant, key=key)
    drain(database, settings)
    for viewer in [tenant.client_key, *feeds] if shared else [tenant.client_key]:
        assert_listings_make_the_metrics(client, queue, tenant.auth(viewer), granularity)


def assert_listings_make_the_metrics(client, queue: str, auth: dict, granularity: str) -> None:
    """Every bucket the viewer's `/v1/metrics` shows is made of the rows its `/v1/calls` lists."""
    series = client.get(
        "/v1/metrics",
        params={
            "queue": queue,
            "from": "2026-11-19",
            "to": "2026-11-21",
            "granularity": granularity,
        },
        headers=auth,
    ).json()["series"]
    listed = 0
    for bucket in series:
        rows = listing(client, queue, auth, bucket["start"], bucket["end"])
        listed += len(rows)
        if not bucket["received"]:
            assert rows == []
            continue
        for component, filters in COMPONENTS.items():
            chosen = listing(client, queue, auth, bucket["start"], bucket["end"], **filters)
            assert len(chosen) == bucket[component], (component, bucket["start"])
        for kpi, value in recomputed(rows).items():
            assert value == pytest.approx(bucket[kpi]), (kpi, bucket["start"])
    assert listed == len(listing(client, queue, auth, "2026-11-19", "2026-11-21"))
