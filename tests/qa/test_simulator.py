"""The simulator's QA team: a few evaluations per agent and day, each of a call it handled."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.simulate.model import QueueSpec, Simulation

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # local midnight in Shanghai


def day_of_records() -> list:
    queue = QueueSpec("q", SHANGHAI, 90, 12)
    return list(Simulation([queue], DAY, seed=7, cdr=True).run(DAY + timedelta(days=1)))


def test_a_few_evaluations_per_agent_day_each_of_a_call_that_agent_handled():
    emits = day_of_records()
    sent_calls = {}
    evaluations = []
    for e in emits:
        if e.path == "/v1/calls":
            sent_calls[e.record["call_id"]] = e.record
        elif e.path == "/v1/qa-evaluations":
            call = sent_calls[e.record["call_id"]]  # sent before its evaluation
            assert call["agent"] == e.record["agent"] and call["queue"] == e.record["queue"]
            assert e.record["evaluated_at"] >= call["ended_at"]
            evaluations.append(e.record)
    agents = {e.record["agent"] for e in emits if e.path == "/v1/agent-events"}
    per_agent = len(evaluations) / len(agents)
    assert 1.0 <= per_agent <= 5.0, per_agent
    assert {r["mode"] for r in evaluations} == {"live", "recording"}
    assert all(0 <= r["score"] <= 100 for r in evaluations)
    assert sum(r["fatal_errors"] for r in evaluations) < len(evaluations) * 0.1
