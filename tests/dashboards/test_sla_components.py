"""The SLA page's pieces as pure functions, on a report built by the real report code.

The numbers are DESIGN §10's contract on ten calls (tests/contracts/test_sla_api.py):
SL 8/10 = 0.80 (met, 40), abandon 1/10 = 0.10 (missed, 20, penalty 50 + 100), ASA 120/9 s
(met, 20), CSAT 90 (met, 20), email first response without data (weight 10, left out);
score 100 × 80 / 100 = 80.00 → band 80 → 1.00; 9 handled × ¥45.00 × 1.00 + ¥0 − ¥150.00.
"""

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from app.contracts.config import TARGET_KPIS
from app.contracts.report import BASIS
from app.contracts.text import (
    band_text,
    formula_text,
    invoice_line,
    met_mark,
    money_text,
    score_text,
)
from app.core.formats import target_text, value_text
from app.kpi.names import FORMULAS_ZH, kpi_name
from dashboards.i18n import WORDS
from dashboards.sla.components import (
    alerts_block,
    compliance_table,
    element_id,
    export_href,
    facts,
    result_block,
    sl_in_force,
)
from dashboards.sla.figures import MET, MISSED, trend_figure
from dashboards.sla.periods import (
    choose_period,
    current_period,
    kind_of,
    period_choices,
    period_dates,
)
from tests.contracts.helpers import design_report
from tests.dashboards.tree import by_id, cells, texts

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def sla() -> dict:
    return design_report()


def test_values_and_targets_carry_their_units():
    assert value_text(0.8, "ratio") == "80.00 %"
    assert value_text(0.79996, "ratio") == "80.00 %"  # 2 decimals: 79.996 % rounds up
    assert value_text(120 / 9, "s") == "13.3 s"
    assert value_text(288, "s") == "04:48"  # a minute or more reads as mm:ss
    assert value_text(90, "score") == "90.00"
    assert value_text(None, "ratio") == "—"
    assert target_text({"min": 0.8, "max": None}, "ratio") == "≥ 80.00 %"
    assert target_text({"min": None, "max": 20}, "s") == "≤ 20.0 s"
    assert target_text({"min": 180, "max": 300}, "s") == "03:00 – 05:00"
    assert money_text(55552.5, "CNY") == "¥55,552.50"
    assert money_text(0.0, "CNY") == "¥0"
    assert money_text(12, "GBP") == "GBP 12.00"
    assert money_text(None, "CNY") == "—"


def test_verdicts_are_an_icon_and_a_word_not_a_colour_alone():
    assert met_mark(True, "en") == ("met", "✓ met")
    assert met_mark(False, "en") == ("breach", "✗ missed")
    assert met_mark(None, "en") == ("neutral", "○ no data")
    assert met_mark(False, "zh") == ("breach", "✗ 未达标")
    assert met_mark(None, "zh") == ("neutral", "○ 无数据")


def test_kpi_names_and_formulas_in_both_languages(sla):
    assert kpi_name("service_level", "en") == "Service level"
    assert kpi_name("service_level", "zh") == "服务水平"
    assert kpi_name("abandon_rate", "zh") == "放弃率"
    assert kpi_name("asa_s", "zh") == "平均应答速度"
    assert kpi_name("ticket_frt_sla.email", "en") == "First-response SLA (email)"
    assert kpi_name("ticket_frt_sla.email", "zh") == "首次响应达标率（邮件）"
    rows = {t["kpi"]: t for t in sla["targets"]}
    # English prints the API's own formula, word for word
    for target in sla["targets"]:
        assert formula_text(target, sla, "en") == target["formula"]
    assert formula_text(rows["service_level"], sla, "en") == (
        "service level = A_T / offered (abandoned_negative)"
    )
    assert formula_text(rows["service_level"], sla, "zh") == (
        "服务水平 = A_T / 呼入量 (abandoned_negative)"
    )
    assert formula_text(rows["asa_s"], sla, "zh") == FORMULAS_ZH["asa_s"]


def test_every_contract_kpi_has_words_and_a_chinese_formula():
    assert WORDS["en"].keys() == WORDS["zh"].keys()
    for kpi in TARGET_KPIS:
        assert kpi in WORDS["en"] and kpi in WORDS["zh"], kpi
        assert kpi == "service_level" or kpi in FORMULAS_ZH, kpi
    for model, basis in BASIS.items():  # the English basis is the API's
        assert WORDS["en"][f"basis_{model}"] == basis


def test_compliance_table_by_hand(sla):
    table = compliance_table(sla, "en")
    assert table.id == "compliance-table"
    head = cells(table.children[0].children)
    assert head == [
        "KPI", "Formula in force", "Target", "Actual", "Met", "Weight", "Points", "Penalty",
        "Behind the figure",
    ]  # fmt: skip
    rows = {row.id: cells(row) for row in table.children[1].children}
    assert list(rows) == [
        "target-service_level",
        "target-abandon_rate",
        "target-asa_s",
        "target-csat",
        "target-ticket_frt_sla-email",
    ]
    assert rows["target-service_level"][2:] == [
        "≥ 80.00 %", "80.00 %", "✓ met", "40", "40", "¥0", "Calls that missed ›",
    ]  # fmt: skip
    assert rows["target-abandon_rate"][2:] == [
        "≤ 5.00 %", "10.00 %", "✗ missed", "20", "0", "¥150.00", "Calls that missed ›",
    ]  # fmt: skip
    assert rows["target-asa_s"][2:5] == ["≤ 20.0 s", "13.3 s", "✓ met"]
    assert rows["target-csat"][2:5] == ["≥ 85.00", "90.00", "✓ met"]
    assert rows["target-ticket_frt_sla-email"][2:] == [
        "≥ 90.00 %", "—", "○ no data", "10", "—", "—", "Tickets that missed ›",
    ]  # fmt: skip
    abandon = table.children[1].children[1]
    assert "breach" in abandon.children[3].className  # the colour, beside the ✗
    assert cells(table.children[2].children) == ["Total", "110", "80", "¥150.00", ""]
    zh = cells(compliance_table(sla, "zh").children[1].children[1])
    assert zh[0] == "放弃率 CallPulse 系统采集" and zh[4] == "✗ 未达标"  # the name, its source


def test_score_band_coefficient_and_invoice_line(sla):
    assert score_text(sla) == "100 × 80 / 100 = 80.00"
    assert band_text(sla, "en") == "score ≥ 80 → × 1.00"
    assert band_text(sla, "zh") == "得分 ≥ 80 → × 1.00"
    amount = sla["amount"]
    assert invoice_line(amount, "en") == "9 handled × ¥45.00 × 1.00 + ¥0 − ¥150.00 = ¥255.00"
    assert invoice_line(amount, "en") == amount["line"]
    assert invoice_line(amount, "zh") == "9 通 × ¥45.00 × 1.00 + ¥0 − ¥150.00 = ¥255.00"
    block = result_block(sla, "en")
    assert texts(by_id(block, "score")) == ["80.00"]
    assert texts(by_id(block, "score-detail")) == ["100 × 80 / 100 = 80.00"]
    assert texts(by_id(block, "coefficient")) == ["1.00"]
    assert texts(by_id(block, "amount-total")) == ["¥255.00"]
    assert texts(by_id(block, "amount-formula")) == [
        "amount = quantity × unit price × KPI coefficient + bonus − penalty"
    ]
    terms = [cells(row) for row in by_id(block, "amount-terms").children.children]
    assert terms == [
        ["Quantity", "9 handled"],
        ["Unit price", "¥45.00"],
        ["KPI coefficient", "× 1.00"],
        ["Bonus", "+ ¥0"],
        ["Penalty", "− ¥150.00"],
        ["Amount", "= ¥255.00"],
    ]
    zh = result_block(sla, "zh")
    assert "结算金额 = 数量 × 单价 × 考核系数 + 奖励 − 扣罚" in texts(zh)
    assert ["考核系数", "× 1.00"] in [cells(r) for r in by_id(zh, "amount-terms").children.children]


def test_no_data_means_no_score_and_coefficient_one():
    empty = {"score": None, "band": None, "targets": []}
    assert score_text(empty) == "—"
    assert band_text(empty, "en") == "no data, no score: coefficient 1"


def test_header_facts_and_the_sl_formula_in_force(sla):
    dl = facts(sla, "en", "2026-11-23T21:14:05+08:00")
    assert texts(by_id(dl, "client-name")) == ["ACME Bank (acme)"]
    assert texts(by_id(dl, "period-range")) == ["2026-11 · 2026-11-01 – 2026-11-30"]
    assert texts(by_id(dl, "timezone")) == ["Asia/Shanghai"]
    assert texts(by_id(dl, "as-of")) == ["2026-11-23 21:14"]
    assert texts(by_id(dl, "contract")) == ["acme-2026 (Valid 2026-01-01 – 2026-12-31)"]
    formulas = texts(sl_in_force(sla, "en"))
    assert "acme-cards: A_T / offered (abandoned_negative), T = 20 s" in formulas
    assert "acme-cards: A_T / 呼入量 (abandoned_negative), T = 20 s" in texts(
        sl_in_force(sla, "zh")
    )
    mixed = sla | {
        "sl_formulas": {
            "a": {"name": "abandoned_negative", "formula": "A_T / offered", "threshold_s": 20},
            "b": {"name": "answered_only", "formula": "A_T / answered", "threshold_s": 30},
        }
    }
    assert "b: A_T / 接通量 (answered_only), T = 30 s" in texts(sl_in_force(mixed, "zh"))
    assert WORDS["en"]["sl_mixed"] in texts(sl_in_force(mixed, "en"))


def test_trend_marks_each_day_by_its_verdict_and_draws_the_target(sla):
    rows = {t["kpi"]: t for t in sla["targets"]}
    daily = [
        {"date": "2026-11-09", "abandon_rate": 0.02},
        {"date": "2026-11-10", "abandon_rate": 0.10},
        {"date": "2026-11-11", "abandon_rate": None},
    ]
    figure = trend_figure(rows["abandon_rate"], daily, "en")
    series = figure["data"][0]
    assert series["y"] == [0.02, 0.10, None] and series["connectgaps"] is False
    assert series["marker"]["symbol"] == ["circle", "x", "circle"]
    assert series["marker"]["color"][:2] == [MET, MISSED]
    assert series["text"] == ["2.00 %", "10.00 %", "—"]
    layout = figure["layout"]
    assert [shape["y0"] for shape in layout["shapes"]] == [0.05]
    assert layout["annotations"][0]["text"] == "target ≤ 5.00 %"
    assert layout["yaxis"]["tickformat"] == ".0%"
    assert layout["yaxis"]["range"] == [0, pytest.approx(0.115)]
    assert layout["xaxis"]["range"] == ["2026-11-08 12:00", "2026-11-11 12:00"]
    assert layout["title"]["text"] == "Abandon rate"
    asa = trend_figure(rows["asa_s"], [{"date": "2026-11-10", "asa_s": None}], "zh")
    assert asa["layout"]["yaxis"]["ticksuffix"] == " s"
    assert asa["layout"]["annotations"][-1]["text"] == "○ 无数据"
    assert asa["layout"]["title"]["text"] == "平均应答速度"
    aht = {"kpi": "aht_s", "unit": "s", "target": {"min": 180, "max": 300}}
    both = trend_figure(aht, [{"date": "2026-11-10", "aht_s": 320}], "en")
    assert [shape["y0"] for shape in both["layout"]["shapes"]] == [180, 300]
    assert both["data"][0]["marker"]["symbol"] == ["x"]


def test_alert_response_times(sla):
    alerts = [
        {
            "opened_at": "2026-11-10T09:12:00+08:00",
            "acknowledged_at": "2026-11-10T09:15:20+08:00",
            "acknowledged_by": "sup",
            "response_s": 200.0,
            "queue": "acme-cards",
            "metric": "service_level",
            "severity": "critical",
        },
        {
            "opened_at": "2026-11-12T14:00:00+08:00",
            "acknowledged_at": None,
            "acknowledged_by": None,
            "response_s": None,
            "queue": "acme-cards",
            "metric": "abandon_rate",
            "severity": "warning",
        },
    ]
    block = alerts_block(sla["alerts"], alerts, "en", missed=sla["unacknowledged_alerts"])
    assert texts(by_id(block, "alert-summary")) == [
        "opened 2 · acknowledged 1 · mean response 05:00 ✓ (target under 10:00)"
    ]
    rows = [cells(r) for r in by_id(block, "alert-table").children[1].children]
    assert rows[0] == [
        "2026-11-10 09:12", "acme-cards", "service level", "critical",
        "2026-11-10 09:15", "sup", "03:20 ✓",
    ]  # fmt: skip
    assert rows[1][4:] == ["not acknowledged", "", "--:--"]
    zh = alerts_block(sla["alerts"], alerts[:1], "zh", rows_shown=0)
    assert texts(by_id(zh, "alert-summary"))[0].startswith("已触发 2 · 已确认 1 · 平均响应 05:00 ✓")
    more = by_id(zh, "alert-table").children[1].children[0]
    assert texts(more) == ["+ 1 条告警未显示（见下载文件）"]
    late = alerts_block({"opened": 1, "acknowledged": 1, "response_s": 900.0}, [], "en")
    assert "breach" in by_id(late, "alert-summary").className
    assert by_id(late, "alert-table") is None


def test_download_links_name_the_report_shown(sla):
    assert export_href(sla, "xlsx") == (
        "/sla/export/acme.xlsx?period=2026-11&contract=acme-2026&lang=en"
    )
    assert export_href(sla, "pdf", "zh").endswith("&lang=zh")
    assert element_id("ticket_frt_sla.email") == "ticket_frt_sla-email"


def test_periods_in_the_clients_calendar():
    today = date(2026, 11, 23)  # a Monday
    assert current_period("month", today) == "2026-11"
    assert current_period("week", today) == "2026-W48"
    assert current_period("day", today) == "2026-11-23"
    assert current_period("week", date(2027, 1, 1)) == "2026-W53"  # ISO year
    assert [kind_of(p) for p in ("2026-11", "2026-W48", "2026-11-23")] == ["month", "week", "day"]
    months = period_choices("month", today)
    assert [o["value"] for o in months[:3]] == ["2026-11", "2026-10", "2026-09"]
    assert months[10]["value"] == "2026-01" and months[11]["value"] == "2025-12"
    assert len(months) == 24
    weeks = period_choices("week", today)
    assert weeks[0] == {"label": "2026-W48 (11-23 – 11-29)", "value": "2026-W48"}
    assert weeks[1]["value"] == "2026-W47"
    days = period_choices("day", today)
    assert days[0]["value"] == "2026-11-23" and len(days) == 62
    old = period_choices("month", today, keep="2020-02")
    assert old[-1] == {"label": "2020-02", "value": "2020-02"} and len(old) == 25
    assert len(period_choices("month", today, keep="2026-W01")) == 24  # not a month: not kept
    assert choose_period("month", today, None, None) == "2026-11"
    assert choose_period("week", today, None, "2026-W47") == "2026-W47"  # asked for in the URL
    assert choose_period("day", today, "2026-11", "2026-W47") == "2026-11-23"
    assert choose_period("month", today, "2026-10", None) == "2026-10"  # kept
    assert period_dates(
        {"start": "2026-11-01T00:00:00+08:00", "end": "2026-12-01T00:00:00+08:00"}
    ) == (
        "2026-11-01",
        "2026-11-30",
    )


def test_alerts_never_acknowledged_are_listed_as_missed(sla):
    # opened 14:00 Shanghai (06:00 UTC), resolved by itself 400 s later, never acknowledged
    assert sla["alerts"] | {"response_s": None} == {
        "opened": 2,
        "acknowledged": 1,
        "unacknowledged": 1,
        "response_s": None,
    }
    assert sla["alerts"]["response_s"] == 300.0  # (200 + 400) / 2
    en = alerts_block(sla["alerts"], [], "en", missed=sla["unacknowledged_alerts"])
    assert texts(by_id(en, "unacked-title")) == [
        "Never acknowledged: missed, each counted until it resolved or the period ended (1)"
    ]
    [head, body] = by_id(en, "unacked-alerts").children
    assert cells(head.children) == ["Opened", "Queue", "Rule", "Resolved", "Unacknowledged for"]
    [row] = body.children
    assert cells(row) == [
        "2026-11-12 14:00", "acme-cards", "abandon-spike", "2026-11-12 14:06", "06:40 ✗",
    ]  # fmt: skip
    zh = alerts_block(sla["alerts"], [], "zh", missed=sla["unacknowledged_alerts"])
    assert texts(by_id(zh, "unacked-title"))[0].startswith("从未确认的告警")
    [head, _] = by_id(zh, "unacked-alerts").children
    assert cells(head.children) == ["触发时间", "队列", "规则", "恢复时间", "未确认时长"]
    none = {**sla["alerts"], "unacknowledged": 0}
    assert "unacked-alerts" not in repr(alerts_block(none, [], "en", missed=[]))
