"""Agreed disputes change the figures, visibly: hand-computed on DESIGN §10's ten calls."""

import pytest

from tests.contracts.helpers import report
from tests.disputes.helpers import act, open_dispute


def _targets(body: dict) -> dict[str, dict]:
    return {t["kpi"]: t for t in body["targets"]}


def _agreed(http, tenant, **dispute) -> int:
    opened = open_dispute(http, tenant.client, tenant.key, reason="carrier_outage", **dispute)
    assert opened.status_code == 201, opened.text
    agreed = act(http, tenant.client, tenant.client_key, opened.json()["id"], "agree")
    assert agreed.status_code == 200, agreed.text
    return opened.json()["id"]


def test_without_exclusions_both_figures_agree(http, tenant, contract):
    body = report(http, tenant, period="2026-11")
    for target in body["targets"]:
        assert target["actual_measured"] == target["actual"]
        assert target["excluded"] is False
    assert body["exclusions"] == []
    assert body["measured"] == {"score": 80, "coefficient": 1, "amount_total": 255.0}
    assert body["score"] == 80 and body["amount"]["total"] == 255.0


def test_an_agreed_outage_minute_takes_the_abandoned_call_out_of_every_target(
    http, tenant, contract
):
    dispute = _agreed(
        http, tenant, kpi="all", **{"from": "2026-11-10T09:09:00", "to": "2026-11-10T09:10:00"}
    )
    body = report(http, tenant, period="2026-11")
    targets = _targets(body)
    # SL: 8 within 20 s of 9 offered; abandon 0 of 9; ASA and CSAT unchanged (w9 was neither).
    assert targets["service_level"]["actual_measured"] == pytest.approx(0.8)
    assert targets["service_level"]["actual"] == pytest.approx(8 / 9)
    assert targets["abandon_rate"]["actual_measured"] == pytest.approx(0.1)
    assert targets["abandon_rate"]["actual"] == 0
    assert targets["abandon_rate"]["met"] is True and targets["abandon_rate"]["excluded"]
    assert targets["asa_s"]["actual"] == pytest.approx(120 / 9)
    assert targets["asa_s"]["excluded"] is False  # no answered call left
    # every target met: score 100, band 1.05; 9 handled × ¥45 × 1.05, no penalty
    assert body["score"] == 100 and body["coefficient"] == 1.05
    assert body["amount"]["total"] == 425.25
    assert body["measured"] == {"score": 80, "coefficient": 1, "amount_total": 255.0}
    [exclusion] = body["exclusions"]
    assert exclusion["dispute"] == dispute and exclusion["calls"] == 1
    assert exclusion["from"] == "2026-11-10T09:09:00+08:00"
    assert exclusion["to"] == "2026-11-10T09:10:00+08:00"
    assert exclusion["reason"] == "carrier_outage" and exclusion["kpi"] == "all"
    # the day's figures are after exclusions too
    [day] = [d for d in body["daily"] if d["date"] == "2026-11-10"]
    assert day["abandon_rate"] == 0


def test_an_exclusion_of_one_kpi_leaves_the_others_measured(http, tenant, contract):
    # w8 (answered after 40 s) and w9 (abandoned) out of service level only
    _agreed(
        http,
        tenant,
        kpi="service_level",
        call_ids=["w8"],
        **{"from": "2026-11-10T09:09:00+08:00", "to": "2026-11-10T09:10:00+08:00"},
    )
    targets = _targets(report(http, tenant, period="2026-11"))
    assert targets["service_level"]["actual"] == 1.0  # 8 of 8
    assert targets["abandon_rate"]["actual"] == pytest.approx(0.1)
    assert targets["abandon_rate"]["excluded"] is False


def test_a_call_in_the_window_and_among_the_ids_counts_once(http, tenant, contract):
    _agreed(
        http,
        tenant,
        kpi="service_level",
        call_ids=["w9", "w0"],
        **{"from": "2026-11-10T09:09:00+08:00", "to": "2026-11-10T09:10:00+08:00"},
    )
    body = report(http, tenant, period="2026-11")
    # w1–w8 are left: 7 answered within 20 s of 8 (w9 not taken out twice)
    assert _targets(body)["service_level"]["actual"] == pytest.approx(7 / 8)
    assert body["exclusions"][0]["calls"] == 2


def test_open_rejected_and_withdrawn_disputes_change_nothing(http, tenant, contract):
    window = {"from": "2026-11-10T09:09:00+08:00", "to": "2026-11-10T09:10:00+08:00"}
    ids = [
        open_dispute(
            http, tenant.client, tenant.key, kpi="all", reason="carrier_outage", **window
        ).json()["id"]
        for _ in range(3)
    ]
    act(http, tenant.client, tenant.client_key, ids[1], "reject")
    act(http, tenant.client, tenant.key, ids[2], "withdraw")
    body = report(http, tenant, period="2026-11")
    assert body["exclusions"] == [] and body["score"] == 80


def test_a_day_or_week_report_holding_the_window_excludes_it_too(http, tenant, contract):
    _agreed(http, tenant, kpi="abandon_rate", call_ids=["w9"])
    for period in ("2026-11-10", "2026-W46"):
        assert _targets(report(http, tenant, period=period))["abandon_rate"]["actual"] == 0
    assert _targets(report(http, tenant, period="2026-11-11"))["abandon_rate"]["actual"] is None
