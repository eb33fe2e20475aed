"""An agreed dispute window takes its schedule seconds out of adherence and conformance, as
it takes agent seconds out of the agent KPIs: hand-computed on the schedule tests' day.

The day (tests/schedules/conftest.py), agent ag1, Shanghai time, 15-minute intervals:
  break 10:30–10:45, not ready 10:30–10:50; work 10:45–12:00, available from 10:50;
  lunch 12:00–13:00, still working until 12:10.
Measured: scheduled 28800 s, adherent 27900 s, scheduled work 24300 s, worked 24600 s.
"""

import pytest

from tests.contracts.helpers import apply, contract_entry, report
from tests.disputes.helpers import act, open_dispute
from tests.factories import post
from tests.schedules.conftest import ADHERENCE, CONFORMANCE, agent_events, schedule_posts

WINDOW = "2026-11-20T{}:00+08:00"


@pytest.fixture
def scheduled(http, database, tenant):
    """The day's states and schedule, under a contract on adherence and conformance."""
    assert (
        post(http, "/v1/agent-events", agent_events(tenant.queue), tenant).json()["rejected"] == []
    )
    for records in schedule_posts(tenant.queue):
        assert post(http, "/v1/schedules", records, tenant).json()["rejected"] == []
    targets = {
        "schedule_adherence": {"min": 0.97, "weight": 50},
        "conformance": {"min": 0.95, "weight": 50},
    }
    apply(database, contract_entry(tenant, targets=targets))
    return tenant


def _agree(http, tenant, kpi: str, start: str, end: str) -> None:
    window = {"from": WINDOW.format(start), "to": WINDOW.format(end)}
    opened = open_dispute(
        http, tenant.client, tenant.key, reason="client_downtime", kpi=kpi, **window
    )
    assert opened.status_code == 201, opened.text
    agreed = act(http, tenant.client, tenant.client_key, opened.json()["id"], "agree")
    assert agreed.status_code == 200, agreed.text


def _targets(body: dict) -> dict[str, dict]:
    return {t["kpi"]: t for t in body["targets"]}


def test_a_window_from_mid_interval_takes_its_schedule_seconds_out(http, scheduled):
    _agree(http, scheduled, "all", "10:40", "11:00")
    # break 10:40–10:45: 300 s scheduled, not ready: adherent 300, worked 0
    # work 10:45–11:00: 900 s scheduled work, available from 10:50: worked 600, adherent 600
    # out: scheduled 1200, adherent 900, scheduled work 900, worked 600
    body = report(http, scheduled, period="2026-11")
    targets = _targets(body)
    adherence, conformance = targets["schedule_adherence"], targets["conformance"]
    assert adherence["actual_measured"] == pytest.approx(ADHERENCE)  # 27900 / 28800
    assert adherence["actual"] == pytest.approx((27900 - 900) / (28800 - 1200))
    assert adherence["excluded"] is True
    assert conformance["actual_measured"] == pytest.approx(CONFORMANCE)  # 24600 / 24300
    assert conformance["actual"] == pytest.approx((24600 - 600) / (24300 - 900))
    [day] = [d for d in body["daily"] if d["date"] == "2026-11-20"]
    assert day["schedule_adherence"] == pytest.approx(27000 / 27600)


def test_windows_ending_mid_interval_count_once_each_for_their_kpi_only(http, scheduled):
    _agree(http, scheduled, "schedule_adherence", "10:40", "11:00")
    # lunch 12:05–12:20 (the window ends inside 12:15–12:30): 900 s scheduled, worked
    # 12:05–12:10 = 300 s, so adherent 600 (lunch adheres while not working)
    _agree(http, scheduled, "schedule_adherence", "12:05", "12:20")
    targets = _targets(report(http, scheduled, period="2026-11"))
    # out: scheduled 1200 + 900, adherent 900 + 600
    assert targets["schedule_adherence"]["actual"] == pytest.approx(26400 / 26700)
    assert targets["conformance"]["actual"] == pytest.approx(CONFORMANCE)
    assert targets["conformance"]["excluded"] is False
