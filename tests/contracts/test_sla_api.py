"""`GET /v1/sla/{client}` end to end: CDRs, agent events and tickets posted through the API,
aggregated, then billed per model on hand-computed fixtures."""

import pytest

from tests.contracts.helpers import apply, billing, contract_entry, ingest, open_alerts, report
from tests.factories import cdr


def test_per_workload_bands_and_penalties_by_hand(http, tenant, per_workload):
    # offered 10, A_T 8 → SL 0.80 (≥ 0.80 met, 40); abandon 1/10 = 0.10 (> 0.05 missed, 20);
    # ASA (8 × 10 + 40) / 9 = 13.33 s (met, 20); CSAT 90 (met, 20).
    # score 100 × 80 / 100 = 80.00 → band 80 → 1.00; handled 9;
    # penalty 50 (per missed target) + 100 (abandon rate's own) = 150;
    # 9 × 45.00 × 1.00 + 0 − 150 = 255.00
    body = report(http, tenant, period="2026-11")
    assert body["client"] == tenant.client and body["client_name"] == "Client"
    assert body["timezone"] == "Asia/Shanghai"
    assert body["period"] == {
        "kind": "month",
        "label": "2026-11",
        "start": "2026-11-01T00:00:00+08:00",
        "end": "2026-12-01T00:00:00+08:00",
    }
    assert body["contract"] == per_workload["code"] and body["vendor"] == tenant.vendor
    assert body["queues"] == [tenant.queue] and body["contracts"] == [per_workload["code"]]
    assert body["sl_formulas"] == {
        tenant.queue: {"name": "abandoned_negative", "formula": "A_T / offered", "threshold_s": 20}
    }
    rows = {t["kpi"]: t for t in body["targets"]}
    assert [t["kpi"] for t in body["targets"]] == ["service_level", "abandon_rate", "asa_s", "csat"]
    assert rows["service_level"] | {"formula": None} == {
        "kpi": "service_level",
        "target": {"min": 0.8, "max": None},
        "actual": 0.8,
        "actual_measured": 0.8,
        "excluded": False,
        "met": True,
        "weight": 40,
        "points": 40,
        "penalty": 0,
        "unit": "ratio",
        "formula": None,
        "source": "measured",
    }
    assert rows["service_level"]["formula"] == "service level = A_T / offered (abandoned_negative)"
    assert (rows["abandon_rate"]["actual"], rows["abandon_rate"]["met"]) == (0.1, False)
    assert (rows["abandon_rate"]["points"], rows["abandon_rate"]["penalty"]) == (0, 150)
    assert rows["asa_s"]["actual"] == pytest.approx(120 / 9) and rows["asa_s"]["met"] is True
    assert rows["csat"]["actual"] == 90 and rows["csat"]["unit"] == "score"
    assert body["score"] == 80 and body["band"] == {"min_score": 80, "coefficient": 1}
    assert body["coefficient"] == 1
    amount = body["amount"]
    assert {k: amount[k] for k in ("model", "quantity", "unit", "unit_price", "currency")} == {
        "model": "per_workload",
        "quantity": 9,
        "unit": "handled",
        "unit_price": 45.0,
        "currency": "CNY",
    }
    assert (amount["coefficient"], amount["bonus"], amount["penalty"]) == (1, 0, 150)
    assert amount["total"] == 255.0
    assert amount["formula"] == "quantity × unit_price × coefficient + bonus − penalty"
    assert amount["line"] == "9 handled × ¥45.00 × 1.00 + ¥0 − ¥150.00 = ¥255.00"
    assert len(body["daily"]) == 30
    tenth = body["daily"][9]
    assert tenth["date"] == "2026-11-10" and tenth["service_level"] == 0.8
    assert tenth["abandon_rate"] == 0.1 and tenth["csat"] == 90
    assert body["daily"][10] == {
        "date": "2026-11-11",
        "service_level": None,
        "abandon_rate": None,
        "asa_s": None,
        "csat": None,
    }
    assert body["alerts"] == {
        "opened": 0,
        "acknowledged": 0,
        "unacknowledged": 0,
        "response_s": None,
    }
    assert body["unacknowledged_alerts"] == []


def test_a_day_and_a_week_of_the_same_contract(http, tenant, per_workload):
    day = report(http, tenant, period="2026-11-10")
    assert day["period"]["kind"] == "day" and len(day["daily"]) == 1
    assert day["amount"]["total"] == 255.0
    week = report(http, tenant, period="2026-W46")  # Mon 9 to Sun 15 November
    assert week["period"]["start"] == "2026-11-09T00:00:00+08:00"
    assert [d["date"] for d in week["daily"]][:2] == ["2026-11-09", "2026-11-10"]
    assert week["amount"]["quantity"] == 9
    empty = report(http, tenant, period="2026-11-11")
    assert empty["score"] is None and empty["band"] is None and empty["coefficient"] == 1
    assert all(t["met"] is None for t in empty["targets"])
    assert empty["amount"]["line"] == "0 handled × ¥45.00 × 1.00 + ¥0 − ¥0 = ¥0"


def test_per_seat_week_with_ticket_channels_by_hand(http, database, settings, tenant):
    # 2026-W47 is Mon 16 to Sun 22 November: 10 seats × 7/30 month = 2.3333 seat-months.
    entry = contract_entry(
        tenant,
        targets={
            "service_level": {"min": 0.9, "weight": 50},
            "abandon_rate": {"max": 0.2, "weight": 50},
            "ticket_frt_sla.email": {"min": 0.9, "weight": 20},
            "ticket_frt_sla.chat": {"min": 0.9, "weight": 20},
            "ticket_frt_sla.sms": {"min": 0.9, "weight": 10},
        },
        billing=billing("per_seat", 1000, seats=10, penalty_per_missed_target=100),
    )
    apply(database, entry)
    at = "2026-11-17T10:0{}:00+08:00"
    calls = [cdr(f"s{i}", tenant.queue, at.format(i), wait=10) for i in range(3)]
    calls += [
        cdr("s3", tenant.queue, at.format(3), wait=30),
        cdr("s4", tenant.queue, at.format(4), gave_up_after=5),
    ]
    ingest(http, database, settings, tenant, "/v1/calls", calls)
    ticket = {"queue": tenant.queue, "created_at": "2026-11-17T10:00:00+08:00"}
    tickets = [
        ticket
        | {"ticket_id": "e1", "channel": "email", "first_response_at": "2026-11-17T11:00:00+08:00"},
        ticket
        | {"ticket_id": "e2", "channel": "email", "first_response_at": "2026-11-17T16:00:00+08:00"},
        ticket
        | {"ticket_id": "c1", "channel": "chat", "first_response_at": "2026-11-17T10:00:30+08:00"},
    ]
    ingest(http, database, settings, tenant, "/v1/tickets", tickets)
    # SL 3/5 = 0.60 (missed, 50); abandon 1/5 = 0.20 (met, 50); email 1/2 within 4 h = 0.50
    # (missed, 20); chat 1/1 within 60 s (met, 20); sms no data (not scored).
    # score 100 × 70 / 140 = 50.00 → band 0 → 0.90; penalty 2 × 100 = 200;
    # 2.3333 × 1,000 × 0.90 + 0 − 200 = 2,099.97 − 200 = 1,899.97
    body = report(http, tenant, period="2026-W47")
    rows = {t["kpi"]: (t["actual"], t["met"], t["points"]) for t in body["targets"]}
    assert rows == {
        "service_level": (0.6, False, 0),
        "abandon_rate": (0.2, True, 50),
        "ticket_frt_sla.email": (0.5, False, 0),
        "ticket_frt_sla.chat": (1.0, True, 20),
        "ticket_frt_sla.sms": (None, None, None),
    }
    assert body["score"] == 50 and body["coefficient"] == 0.9
    assert body["amount"]["quantity"] == 2.3333 and body["amount"]["unit"] == "seat-months"
    assert body["amount"]["total"] == 1899.97
    assert body["amount"]["line"] == (
        "2.3333 seat-months × ¥1,000.00 × 0.90 + ¥0 − ¥200.00 = ¥1,899.97"
    )
    assert [d["date"] for d in body["daily"]] == [f"2026-11-{d}" for d in range(16, 23)]
    assert body["daily"][1]["ticket_frt_sla.email"] == 0.5


def agent_day(agent: str, queue: str, changes: list[tuple[str, str]]) -> list[dict]:
    """Agent events on 10 November: (local hh:mm, state) pairs in Shanghai time."""
    return [
        {"agent": agent, "state": s, "at": f"2026-11-10T{t}:00+08:00", "queues": [queue]}
        for t, s in changes
    ]


def test_per_hour_counts_only_the_vendors_agents_and_alert_response(
    http, database, settings, tenant, pg
):
    entry = contract_entry(
        tenant,
        targets={
            "not_ready_ratio": {"max": 0.2, "weight": 40},
            "utilization": {"min": 0.4, "weight": 40},
            "alert_response_s": {"max": 600, "weight": 20},
        },
        billing=billing(
            "per_hour",
            30,
            currency="USD",
            bands=[{"min_score": 90, "coefficient": 1.1}, {"min_score": 0, "coefficient": 0.8}],
            bonus=10,
        ),
    )
    apply(database, entry)
    # The vendor's agent: 30 min available, 30 min talking, 60 min not ready = 2 h logged in.
    ours = agent_day(
        "a1",
        tenant.queue,
        [
            ("09:00", "available"),
            ("09:30", "talking"),
            ("10:00", "not_ready"),
            ("11:00", "logged_out"),
        ],
    )
    ingest(http, database, settings, tenant, "/v1/agent-events", ours)
    # The other vendor's agent, on the same client: not in this contract's hours.
    theirs = agent_day("b1", tenant.other_queue, [("09:00", "available"), ("12:00", "logged_out")])
    ingest(http, database, settings, tenant, "/v1/agent-events", theirs, key=tenant.other_key)
    open_alerts(pg, tenant, [("2026-11-10T09:00", 300, 300), ("2026-11-10T10:00", 500, 900)])
    open_alerts(pg, tenant, [("2026-11-10T11:00", None, 1000)])  # never acknowledged
    # not ready 1 h / 2 h = 0.50 (missed, 40); utilization 1 h / 2 h = 0.50 (met, 40);
    # alert response (300 + 500 + 1000 unacknowledged until resolved) / 3 = 600 s (met, 20):
    # score 60.00 → band 0 → 0.80.
    # 2.00 h × $30.00 × 0.80 + $10 − 0 = $58.00
    body = report(http, tenant, period="2026-11")
    rows = {t["kpi"]: (t["actual"], t["met"]) for t in body["targets"]}
    assert rows == {
        "not_ready_ratio": (0.5, False),
        "utilization": (0.5, True),
        "alert_response_s": (600.0, True),
    }
    assert body["score"] == 60 and body["coefficient"] == 0.8
    assert body["alerts"] == {
        "opened": 3,
        "acknowledged": 2,
        "unacknowledged": 1,
        "response_s": 600.0,
    }
    assert body["amount"]["quantity"] == 2 and body["amount"]["unit"] == "h"
    assert body["amount"]["line"] == "2 h × $30.00 × 0.80 + $10.00 − $0 = $58.00"
    assert body["amount"]["total"] == 58.0


def test_period_edges_are_local_midnights(http, database, settings, tenant):
    # October in Shanghai: 23:59 on the 30 September and 00:00 on 1 November are out.
    apply(database, contract_entry(tenant))
    offered = [
        "2026-09-30T23:59:00+08:00",
        "2026-10-01T00:00:00+08:00",
        "2026-10-31T23:59:00+08:00",
        "2026-11-01T00:00:00+08:00",
    ]
    calls = [cdr(f"e{i}", tenant.queue, at, wait=5) for i, at in enumerate(offered)]
    ingest(http, database, settings, tenant, "/v1/calls", calls)
    october = report(http, tenant, period="2026-10")
    assert october["amount"]["quantity"] == 2
    assert october["daily"][0]["service_level"] == october["daily"][30]["service_level"] == 1
    assert report(http, tenant, period="2026-10-31")["amount"]["quantity"] == 1
    assert report(http, tenant, period="2026-09-30")["amount"]["quantity"] == 1


def test_a_month_with_a_dst_change_has_31_daily_rows(http, database, settings, tenant):
    # The other client is in Europe/Berlin; clocks go back on Sunday 25 October 2026.
    apply(
        database, contract_entry(tenant, client=tenant.other_client, queues=[tenant.foreign_queue])
    )
    calls = [
        cdr("b1", tenant.foreign_queue, "2026-10-25T23:30:00+01:00", wait=5),
        cdr("b2", tenant.foreign_queue, "2026-10-26T00:10:00+01:00", gave_up_after=60),
        cdr("b3", tenant.foreign_queue, "2026-10-01T00:00:00+02:00", wait=5),
    ]
    ingest(http, database, settings, tenant, "/v1/calls", calls)
    body = report(http, tenant, key=tenant.key, client=tenant.other_client, period="2026-10")
    assert body["timezone"] == "Europe/Berlin"
    assert body["period"]["start"] == "2026-10-01T00:00:00+02:00"
    assert body["period"]["end"] == "2026-11-01T00:00:00+01:00"
    daily = body["daily"]
    assert len(daily) == 31 and daily[-1]["date"] == "2026-10-31"
    assert (daily[0]["service_level"], daily[24]["service_level"]) == (1, 1)
    assert daily[25]["service_level"] == 0
    assert body["amount"]["quantity"] == 2


def test_validity_clips_the_period_and_prorates_seats(http, database, settings, tenant):
    entry = contract_entry(
        tenant,
        valid_from="2026-11-16",
        billing=billing("per_seat", 100, seats=12, bands=[{"min_score": 0, "coefficient": 1}]),
    )
    apply(database, entry)
    body = report(http, tenant, period="2026-11")
    assert body["period"]["start"] == "2026-11-16T00:00:00+08:00"
    assert body["period"]["end"] == "2026-12-01T00:00:00+08:00"
    assert len(body["daily"]) == 15 and body["daily"][0]["date"] == "2026-11-16"
    # 12 seats × 15/30 month = 6 seat-months; no data → coefficient 1: 6 × 100 = 600.00
    assert body["amount"]["line"] == "6 seat-months × ¥100.00 × 1.00 + ¥0 − ¥0 = ¥600.00"
    assert (body["valid_from"], body["valid_to"]) == ("2026-11-16", "2026-12-31")


def test_shared_queue_bills_and_scores_each_vendor_on_its_own_calls(
    http, database, settings, tenant
):
    # Both vendors serve the shared queue; each is paid for, and scored on, the calls its
    # own feed sent (those `/v1/calls` lists for it), with an agent named or not.
    ours = contract_entry(tenant, queues=[tenant.shared_queue])
    theirs = contract_entry(tenant, queues=[tenant.shared_queue], vendor=tenant.other_vendor)
    apply(database, ours, theirs)
    at = "2026-11-12T09:0{}:00+08:00"
    q = tenant.shared_queue
    ingest(
        http,
        database,
        settings,
        tenant,
        "/v1/calls",
        [cdr(f"v{i}", q, at.format(i), wait=5, agent="a1") for i in range(3)],
    )
    ingest(
        http,
        database,
        settings,
        tenant,
        "/v1/calls",
        [cdr("x1", q, at.format(5), wait=50, agent="b1"), cdr("x2", q, at.format(6), wait=5)],
        key=tenant.other_key,
    )
    mine = report(http, tenant, key=tenant.key, period="2026-11")
    other = report(http, tenant, key=tenant.other_key, period="2026-11")
    assert (mine["contract"], other["contract"]) == (ours["code"], theirs["code"])
    assert mine["amount"]["quantity"] == 3  # v0–v2 by a1
    assert other["amount"]["quantity"] == 2  # x1 by b1, and x2 with no agent named
    assert mine["targets"][0]["actual"] == 1.0  # 3 of 3 answered within 20 s
    assert other["targets"][0]["actual"] == 0.5  # x1 waited 50 s, x2 5 s
