"""Every export of an open period says so with its as-of time, prints the projection and the
money between bands; a week's report prints the proration rule; both languages."""

import csv
import io
from datetime import datetime, timedelta

import openpyxl

from tests.contracts.helpers import DESIGN_CONTRACT, apply, contract_entry, report, sla
from tests.contracts.open_month import open_month
from tests.contracts.test_sla_exports import pdf_text


def minutes_from(as_of: str) -> tuple[str, ...]:
    """Return the report's as-of minute and the next one: each download states the time it
    was made, which may fall in the minute after the report's."""
    moment = datetime.fromisoformat(as_of[:16])
    return tuple(m.strftime("%Y-%m-%d %H:%M") for m in (moment, moment + timedelta(minutes=1)))


def download(http, client: str, auth: str, suffix: str, **params: str) -> bytes:
    response = sla(http, client, auth, suffix, **params)
    assert response.status_code == 200, response.text
    return response.content


def test_open_month_exports_label_the_period_and_warn_in_money(http, database, settings, tenant):
    month = open_month(http, database, settings, tenant)
    body = report(http, tenant, month.key, client=month.client, period=month.month)
    minutes = minutes_from(body["as_of"])
    p = body["projection"]
    # 75.00 points, band 0.90; band 80 → 1.00 is 5 points away; at stake: the projected
    # quantity × ¥45 × 0.10 (penalties stay), which the report prices.
    assert (p["next_band"]["points_short"], p["next_band"]["coefficient"]) == (5, 1)
    assert p["next_band"]["at_stake"] == round(p["quantity"] * 45 * 0.1, 2)
    assert p["next_band"]["closes_gap"] == ["abandon_rate"]
    stake = f"¥{p['next_band']['at_stake']:,.2f}"

    content = download(http, month.client, month.key, ".csv", period=month.month)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    facts = {row[0]: row[1] for row in rows if len(row) == 2 and row[0] == "Partial period"}
    assert facts["Partial period"] in {
        f"yes: as of {m} ({month.zone}) the period has not ended; the figures will still change"
        for m in minutes
    }
    projected = [row[1] for row in rows if row and row[0] == "Projected month end"]
    assert f"5.00 points short of band 1.00: {stake} at stake" in projected
    assert ["Proration", "whole month: nothing prorated"] in rows

    book = openpyxl.load_workbook(io.BytesIO(download(
        http, month.client, month.key, ".xlsx", period=month.month, lang="zh")))  # fmt: skip
    cells = [list(r) for r in book["考核报告"].iter_rows(values_only=True)]
    labelled = {r[0]: r[1] for r in cells if r and r[0] == "周期未结束"}
    assert any(labelled["周期未结束"].startswith(f"是：截至 {m}（{month.zone}）") for m in minutes)
    assert f"差 5.00 分达到系数 1.00 档：{stake} 待定" in [
        r[1] for r in cells if r[0] == "月末预测"
    ]

    en = pdf_text(download(http, month.client, month.key, ".pdf", period=month.month))
    assert "5.00 points short of band 1.00" in en
    assert any(f"as of {m}" in en for m in minutes)
    zh = pdf_text(download(http, month.client, month.key, ".pdf", period=month.month, lang="zh"))
    assert "差 5.00 分达到系数 1.00 档" in zh
    assert any(f"截至 {m}" in zh for m in minutes)


def test_a_week_prints_that_penalties_are_not_prorated(http, database, tenant, per_workload):
    body = report(http, tenant, period="2026-W46")  # 9–15 November: 7/30 of a month
    assert body["amount"]["proration"] == {
        "period_months": 0.2333,
        "period_months_exact": "7/30",
        "whole_month": False,
        "quantity": "counted",
        "bonus": "per_period",
        "penalty": "per_period",
    }
    en = download(http, tenant.client, tenant.client_key, ".csv", period="2026-W46").decode()
    assert "quantity counted over the period (0.2333 of a month)" in en
    assert "not prorated: this week carries a missed target's full penalty" in en
    zh = pdf_text(download(http, tenant.client, tenant.client_key, ".pdf", period="2026-W46",
                           lang="zh"))  # fmt: skip
    assert "本周未达标指标仍扣全额" in zh.replace("\n", "")


def test_seats_are_prorated_by_day_in_a_week(http, database, tenant):
    seats = {"model": "per_seat", "unit_price": 9000, "currency": "CNY", "seats": 3}
    apply(database, contract_entry(tenant, targets=DESIGN_CONTRACT["targets"], billing=seats))
    body = report(http, tenant, period="2026-W46")
    assert body["amount"]["quantity"] == 0.7  # 3 seats × 7/30
    assert body["amount"]["proration"]["quantity"] == "prorated"
    en = download(http, tenant.client, tenant.client_key, ".csv", period="2026-W46").decode()
    assert "seats prorated by day: 0.2333 of a month" in en
