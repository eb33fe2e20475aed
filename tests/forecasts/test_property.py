"""Properties: the accuracies equal a recomputation from the posted rows; SQL Erlang C = Python."""

import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.erlang import required_agents
from app.kpi.aggregation import drain
from tests.factories import cdr, make_tenant, post
from tests.forecasts.helpers import DAY, PATH, day_metrics, forecast

QUARTERS = ["09:00", "09:15", "09:30", "09:45"]
TALK_S, T_S, SL_TARGET = 100, 20, 0.80  # every call talks 100 s; the queue's defaults

interval = st.fixed_dictionaries(
    {
        "calls": st.integers(0, 6),
        "forecast": st.none() | st.integers(0, 16).map(lambda n: n / 2),
        "aht_s": st.sampled_from([60.0, 100.0, 150.0]),
        "agents": st.integers(0, 4),
    }
)


def expected(day: list[dict]) -> dict[str, float | None]:
    """Recompute the accuracies from the generated intervals, by the docstrings' formulas."""
    counted = [i for i in day if i["forecast"] is not None]

    def accuracy(errors: float, total: float) -> float | None:
        return max(0.0, 1 - errors / total) if total else None

    needs = [
        required_agents(i["calls"] / 900, TALK_S, SL_TARGET, T_S).agents if i["calls"] else 0
        for i in counted
    ]
    return {
        "forecast_accuracy": accuracy(
            sum(abs(i["calls"] - i["forecast"]) for i in counted), sum(i["calls"] for i in counted)
        ),
        "aht_forecast_accuracy": accuracy(
            sum(i["calls"] * abs(TALK_S - i["aht_s"]) for i in counted),
            sum(i["calls"] * TALK_S for i in counted),
        ),
        "staffing_forecast_accuracy": accuracy(
            sum(abs(i["agents"] - n) for i, n in zip(counted, needs, strict=True)), sum(needs)
        ),
    }


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(day=st.lists(interval, min_size=len(QUARTERS), max_size=len(QUARTERS)))
def test_accuracies_equal_the_recomputation_from_the_posted_rows(client, database, day):
    tenant = make_tenant(database)
    calls = [
        cdr(
            f"p{q}-{n}",
            tenant.queue,
            DAY.format(f"{at[:3]}{int(at[3:]) + n:02d}"),
            wait=3,
            talk=TALK_S,
        )
        for q, (at, i) in enumerate(zip(QUARTERS, day, strict=True))
        for n in range(i["calls"])
    ]
    forecasts = [
        forecast(tenant.queue, at, i["forecast"], aht_s=i["aht_s"], required_agents=i["agents"])
        for at, i in zip(QUARTERS, day, strict=True)
        if i["forecast"] is not None
    ]
    for path, records in (("/v1/calls", calls), (PATH, forecasts)):
        if records:
            assert post(client, path, records, tenant).json()["accepted"] == len(records)
    drain(database, client.app.state.settings)
    row = day_metrics(client, tenant, tenant.queue)
    for name, value in expected(day).items():
        assert row[name] == (None if value is None else pytest.approx(value)), name


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    calls_per_s=st.floats(0, 2, allow_nan=False),
    aht_s=st.floats(1, 900, allow_nan=False),
    target=st.floats(0.05, 0.99),
    threshold_s=st.integers(1, 120),
)
@example(calls_per_s=1e-290, aht_s=1.0, target=0.8, threshold_s=120)  # C·exp(…) underflows
def test_the_sql_erlang_c_needs_what_python_needs(pg, calls_per_s, aht_s, target, threshold_s):
    [(sql,)] = pg.execute(
        "SELECT erlang_c_agents(%s, %s, %s, %s)", [calls_per_s, aht_s, target, threshold_s]
    ).fetchall()
    python = required_agents(calls_per_s, aht_s, target, threshold_s).agents
    assert sql == python, (calls_per_s * aht_s, math.floor(calls_per_s * aht_s))
