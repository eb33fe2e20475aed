"""The live agent grid marks agents out of adherence now, in the API and on the wallboard."""

from datetime import UTC, datetime, timedelta

import pytest

from app.kpi.live import adherence
from dashboards.components import agent_grid
from tests.factories import post


def at(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def floor_now(client, tenant):
    q = tenant.queue
    events = [
        {"agent": "on-break", "state": "available", "at": at(-10), "queues": [q]},
        {"agent": "working", "state": "talking", "at": at(-5), "queues": [q]},
        {"agent": "away", "state": "not_ready", "at": at(-5), "queues": [q]},
        {"agent": "unplanned", "state": "available", "at": at(-5), "queues": [q]},
    ]
    assert post(client, "/v1/agent-events", events, tenant).json()["accepted"] == 4
    segments = [
        {"agent": "on-break", "start": at(-15), "end": at(15), "activity": "break"},
        {"agent": "working", "start": at(-60), "end": at(60), "activity": "work"},
        {"agent": "away", "start": at(-60), "end": at(60), "activity": "work"},
        {"agent": "unplanned", "start": at(30), "end": at(90), "activity": "work"},
    ]
    body = post(client, "/v1/schedules", [s | {"queues": [q]} for s in segments], tenant)
    assert body.json()["accepted"] == 4
    return tenant


def test_live_agents_carry_their_schedule_and_adherence_now(client, floor_now):
    r = client.get(f"/v1/queues/{floor_now.queue}/live", headers=floor_now.auth())
    assert r.status_code == 200, r.text
    agents = {a["agent"]: a for a in r.json()["agents"]}
    assert {k: (a["scheduled"], a["adherence"]) for k, a in agents.items()} == {
        "on-break": ("break", "out"),  # available during a break
        "working": ("work", "in"),
        "away": ("work", "out"),  # not ready during work
        "unplanned": (None, None),  # its segment starts later
    }


def test_adherence_rule():
    assert adherence("available", "work") == "in"
    assert adherence("acw", "work") == "in"
    assert adherence("not_ready", "lunch") == "in"
    assert adherence("stale", "work") == "out"
    assert adherence("not_ready", "work") == "out"
    assert adherence("talking", "training") == "out"
    assert adherence("talking", None) is None


@pytest.mark.parametrize(
    ("lang", "header", "mark"),
    [("en", "Schedule now", "⚠ break · out of adherence"), ("zh", "当前排班", "⚠ 小休 · 未遵时")],
)
def test_the_wallboard_grid_marks_who_is_out(client, floor_now, lang, header, mark):
    agents = client.get(f"/v1/queues/{floor_now.queue}/live", headers=floor_now.auth()).json()[
        "agents"
    ]
    table = agent_grid(agents, lang, 10).to_plotly_json()["props"]["children"]
    head, body = table[0].children.children, table[1].children
    assert head[-1].children == header
    cells = {row.children[0].children: row.children[-1] for row in body}
    assert (cells["on-break"].children, cells["on-break"].className) == (mark, "schedule out")
    assert cells["working"].className == "schedule in"
    assert "⚠" not in cells["working"].children
    assert (cells["unplanned"].children, cells["unplanned"].className) == ("", "schedule")
