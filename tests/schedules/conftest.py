"""A day with breaks: the schedule and the agent's states, for the adherence tests."""

import pytest

from tests.factories import post
from tests.schedules.helpers import DAY, seg

# Scheduled 09:00–17:00; breaks and lunch away from the phone. Hand-computed per segment:
#   work  09:00–10:30  5400 s, worked 5400 (available from 08:55)       adherent 5400
#   break 10:30–10:45   900 s, not ready 10:30–10:50                     adherent  900
#   work  10:45–12:00  4500 s, back at 10:50: worked 4200                adherent 4200
#   lunch 12:00–13:00  3600 s, still working until 12:10: worked 600     adherent 3000
#   work  13:00–17:00 14400 s, available, talking, ACW, available        adherent 14400
# scheduled 28800 s, adherent 27900 s, scheduled work 24300 s, worked 24600 s.
ADHERENCE = 27900 / 28800
CONFORMANCE = 24600 / 24300
# The work segment 13:00–17:00 names tenant.queue; the others name none, so they count for
# every queue the vendor serves for the client: tenant.queue and tenant.shared_queue.
SHARED_ADHERENCE = (5400 + 900 + 4200 + 3000) / (5400 + 900 + 4500 + 3600)
SHARED_CONFORMANCE = (5400 + 4200 + 600) / (5400 + 4500)

STATES = [
    ("08:55", "available"),
    ("10:30", "not_ready"),
    ("10:50", "available"),
    ("12:10", "not_ready"),
    ("13:00", "available"),
    ("15:00", "talking"),
    ("15:10", "acw"),
    ("15:12", "available"),
    ("17:00", "logged_out"),
]


def schedule_posts(queue: str) -> list[list[dict]]:
    """The day as two posts: the shifts, then the morning break cut into the first one."""
    return [
        [
            seg("ag1", "09:00", "12:00"),
            seg("ag1", "12:00", "13:00", "lunch"),
            seg("ag1", "13:00", "17:00", queues=[queue]),
        ],
        [seg("ag1", "10:30", "10:45", "break")],
    ]


def agent_events(queue: str) -> list[dict]:
    """The agent's state changes of the day."""
    return [
        {"agent": "ag1", "state": state, "at": DAY.format(at + ":00"), "queues": [queue]}
        for at, state in STATES
    ]


@pytest.fixture
def day_with_breaks(client, tenant):
    """Post the agent's states and its schedule; return the tenant."""
    events = post(client, "/v1/agent-events", agent_events(tenant.queue), tenant)
    assert events.json()["accepted"] == len(STATES)
    for records in schedule_posts(tenant.queue):
        assert post(client, "/v1/schedules", records, tenant).json()["rejected"] == []
    return tenant
