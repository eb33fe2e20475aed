"""The vendor scorecard over HTTP: rows figured by hand, formulas, sort, access and exports."""

import csv
import io

import openpyxl
import pytest

from tests.contracts.helpers import ingest, key

BOM = b"\xef\xbb\xbf"


def card(http, client: str, auth: str, suffix: str = "", **params: str):
    return http.get(
        f"/v1/scorecard/{client}{suffix}",
        params={"period": "2026-10"} | params,
        headers={"Authorization": f"Bearer {auth}"},
    )


def test_two_vendors_side_by_side_under_own_and_common_formulas(http, tenant, two_vendors):
    first, second = two_vendors
    response = card(http, tenant.client, tenant.client_key)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["partial"] is False and body["common_sl_formula"]["formula"] == "A_T / offered"
    a, b = body["rows"]  # by contract code by default
    if a["contract"] != min(first["code"], second["code"]):
        a, b = b, a
    rows = {first["code"]: None, second["code"]: None}
    rows[a["contract"]], rows[b["contract"]] = a, b
    mine, theirs = rows[first["code"]], rows[second["code"]]
    # Own formulas: 8/10 = 0.80 (min 0.85 missed) vs 8/9 (met); common: 0.80 both.
    assert mine["kpis"]["service_level"] == pytest.approx(0.8)
    assert theirs["kpis"]["service_level"] == pytest.approx(8 / 9)
    assert mine["common"]["service_level"] == theirs["common"]["service_level"] == 0.8
    # ASA (8 × 10 + 40) / 9 = 13.3 s met. Mine: 20/60 → 33.33, band 0.90, 9 × 4.50 × 0.90 =
    # 36.45, ÷ 9 handled = 4.05. Theirs: 100 → 1.05 (their bands are DESIGN's too),
    # 9 × 6 × 1.05 = 56.70, 6.30 per contact.
    assert mine["handled"] == {"calls": 9, "tickets": 0, "total": 9}
    assert (mine["score"], mine["coefficient"], mine["amount"]) == (33.33, 0.9, 36.45)
    assert (mine["cost_per_contact"], mine["currency"]) == (4.05, "CNY")
    assert (theirs["score"], theirs["coefficient"], theirs["amount"]) == (100, 1.05, 56.7)
    assert theirs["cost_per_contact"] == 6.3


def test_sort_by_any_column_both_ways(http, tenant, two_vendors):
    first, second = two_vendors
    by_amount = card(http, tenant.client, tenant.client_key, sort="amount", order="desc").json()
    assert [r["contract"] for r in by_amount["rows"]] == [second["code"], first["code"]]
    by_sl = card(http, tenant.client, tenant.client_key, sort="service_level").json()
    assert [r["contract"] for r in by_sl["rows"]] == [first["code"], second["code"]]
    bad = card(http, tenant.client, tenant.client_key, sort="colour")
    assert bad.status_code == 400 and "sort" in bad.json()["error"]
    assert "cost_per_contact" in bad.json()["error"]


def test_a_vendor_sees_its_own_row_and_other_clients_are_404(http, database, tenant, two_vendors):
    first, second = two_vendors
    mine = card(http, tenant.client, tenant.key).json()
    assert [r["contract"] for r in mine["rows"]] == [first["code"]]
    theirs = card(http, tenant.client, tenant.other_key).json()
    assert [r["contract"] for r in theirs["rows"]] == [second["code"]]
    supervisor = key(database, "supervisor", vendor_code=tenant.other_vendor)
    assert [r["contract"] for r in card(http, tenant.client, supervisor).json()["rows"]] == [
        second["code"]
    ]
    assert card(http, tenant.other_client, tenant.client_key).status_code == 404
    missing = card(http, tenant.client, tenant.client_key, period="2026-13")
    assert missing.status_code == 400 and "period" in missing.json()["error"]


def test_csv_and_xlsx_in_both_languages_say_the_period_and_formulas(http, tenant, two_vendors):
    first, _ = two_vendors
    en = card(http, tenant.client, tenant.client_key, ".csv")
    assert en.headers["content-type"] == "text/csv; charset=utf-8" and en.content.startswith(BOM)
    rows = list(csv.reader(io.StringIO(en.content.decode("utf-8-sig"))))
    facts = {row[0]: row[1] for row in rows if len(row) == 2}
    assert facts["Partial period"].startswith("no: the period has ended; figures as of")
    assert facts["Common SL formula (for comparison only)"].endswith("(abandoned_negative)")
    header = next(r for r in rows if r and r[0] == "Contract")
    assert "Service level (contract's formula)" in header
    assert "Service level (common formula)" in header and header[-1] == "Cost per handled contact"
    mine = next(r for r in rows if r and r[0] == first["code"])
    assert float(mine[header.index("Amount")]) == 36.45 and mine[header.index("Currency")] == "CNY"

    zh = card(http, tenant.client, tenant.client_key, ".xlsx", lang="zh")
    book = openpyxl.load_workbook(io.BytesIO(zh.content))
    sheet = [list(r) for r in book["记分卡"].iter_rows(values_only=True)]
    facts_zh = {r[0]: r[1] for r in sheet if r and r[0]}
    assert facts_zh["周期未结束"].startswith("否：考核周期已结束，数据截至")
    header_zh = next(r for r in sheet if r and r[0] == "合同")
    assert "单次处理成本" in header_zh
    mine_zh = next(r for r in sheet if r and r[0] == first["code"])
    assert mine_zh[header_zh.index("单次处理成本")] == 4.05


def test_resolved_tickets_count_as_handled_contacts(http, database, settings, tenant, two_vendors):
    first, _ = two_vendors
    day = "2026-10-12T{}:00+08:00"
    tickets = [
        {"ticket_id": f"t{i}", "queue": tenant.queue, "channel": "email",
         "created_at": day.format("09:00"), "first_response_at": day.format("09:30"),
         **({"resolved_at": day.format("11:00")} if i < 2 else {})}
        for i in range(3)
    ]  # fmt: skip
    ingest(http, database, settings, tenant, "/v1/tickets", tickets)
    row = next(r for r in card(http, tenant.client, tenant.key).json()["rows"])
    assert row["contract"] == first["code"]
    # 9 calls + 2 resolved tickets (the open one does not count): ¥36.45 / 11 = ¥3.31.
    assert row["handled"] == {"calls": 9, "tickets": 2, "total": 11}
    assert row["cost_per_contact"] == 3.31
