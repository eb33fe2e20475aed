"""Erlang C on DESIGN §7's example: 100 calls / 30 min, AHT 180 s, 80 % in 20 s."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.erlang import erlang_c, required_agents, scheduled_agents, staffing

RATE = 100 / 1800  # calls per second


def test_design_example():
    result = required_agents(RATE, 180, 0.80, 20)
    assert result.agents == 14
    assert round(result.service_level, 3) == 0.888
    assert round(result.wait_probability, 3) == 0.174
    assert round(result.asa_s, 2) == 7.84
    assert round(result.occupancy, 3) == 0.714
    assert scheduled_agents(result.agents, 0.30) == 20


def test_thirteen_agents_miss_the_target():
    assert staffing(13, RATE, 180, 20).service_level < 0.80


def test_no_traffic_needs_no_agents():
    assert required_agents(0, 180, 0.8, 20).agents == 0
    assert erlang_c(3, 0) == 0.0


def test_overloaded_queue_always_waits():
    assert erlang_c(5, 10) == 1.0
    assert staffing(5, RATE, 180, 20).service_level == 0.0
    assert math.isinf(staffing(5, RATE, 180, 20).asa_s)


def test_shrinkage_must_be_a_fraction():
    with pytest.raises(ValueError, match="shrinkage"):
        scheduled_agents(10, 1.0)


@given(
    calls_per_hour=st.floats(1, 2000),
    aht=st.floats(30, 900),
    target=st.floats(0.5, 0.95),
)
def test_required_is_the_smallest_staffing_meeting_target(calls_per_hour, aht, target):
    rate = calls_per_hour / 3600
    result = required_agents(rate, aht, target, 20)
    assert result.service_level >= target
    if result.agents > math.floor(rate * aht) + 1:
        assert staffing(result.agents - 1, rate, aht, 20).service_level < target
