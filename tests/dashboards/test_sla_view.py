"""The SLA page without a browser: the view builders on a report the real service computed.

October 2026 on DESIGN §10's contract (tests/contracts/test_sla_api.py): ten calls on the
14th, 8 answered in 10 s, 1 in 40 s, 1 abandoned after 30 s, two surveyed at 90. SL 8/10 =
0.80 met (40), abandon 1/10 = 0.10 missed (20; penalty 50 + 100), ASA (8 × 10 + 40) / 9 =
13.3 s met (20), CSAT 90 met (20); score 100 × 80 / 100 = 80.00 → band 80 → × 1.00;
9 handled × ¥45.00 × 1.00 + ¥0 − ¥150.00 = ¥255.00. Two alerts: one acknowledged after 200 s,
one never acknowledged and resolved after 400 s (missed): mean response (200 + 400) / 2 = 05:00.
"""

from datetime import UTC, datetime

import pytest

from app.access.users import create_user, user_principal
from app.kpi.aggregation import drain
from dashboards import data
from dashboards.sla.page import (
    first_view,
    labels,
    language,
    not_shown,
    period_picker,
    shown,
)
from tests.contracts.helpers import DESIGN_CONTRACT, apply, contract_entry, open_alerts
from tests.dashboards.tree import by_id, cells, texts
from tests.factories import cdr, post


@pytest.fixture
def october(client, database, settings, pg, tenant) -> dict:
    """The module's October, read through `dashboards.data` as the page reads it."""
    entry = contract_entry(tenant, **DESIGN_CONTRACT)
    apply(database, entry)
    at = "2026-10-14T09:{:02d}:00+08:00"
    calls = [cdr(f"o{i}", tenant.queue, at.format(i), wait=10, agent="a1") for i in range(8)]
    calls[0]["csat"] = calls[1]["csat"] = 90
    calls.append(cdr("o8", tenant.queue, at.format(8), wait=40, agent="a2"))
    calls.append(cdr("o9", tenant.queue, at.format(9), gave_up_after=30))
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 10
    drain(database, settings)
    open_alerts(pg, tenant, [("2026-10-14T09:30", 200, 600)])
    missed = open_alerts(pg, tenant, [("2026-10-14T14:00", None, 400)])
    (rule,) = pg.execute("SELECT name FROM alert_rules WHERE id = %s", [missed]).fetchone()
    with database.session_scope() as session:
        created = create_user(session, f"v-{tenant.client}", "view-password", "client",
                              client_code=tenant.client)  # fmt: skip
        principal = user_principal(session, created.id)
    view = data.sla_view(database, principal, tenant.client, "2026-10", None)
    return {"view": view, "contract": entry["code"], "missed_rule": rule}


def rows_of(table) -> dict[str, list[str]]:
    return {row.id: cells(row) for row in table.children[1].children}


def test_the_targets_table_score_coefficient_and_invoice_terms(october, tenant):
    sections, error, options, contract, single = shown(october["view"], "en")
    assert (error, contract, single) == ("", october["contract"], True)
    assert options == [{"label": october["contract"], "value": october["contract"]}]
    assert [s.id for s in sections[1:]] == [
        "compliance", "feed-quality", "settlement", "disputes", "closing", "trend-section",
        "alerts",
        "download-section",
    ]  # fmt: skip
    assert texts(by_id(sections, "client-name")) == [f"Client ({tenant.client})"]
    assert texts(by_id(sections, "period-range")) == ["2026-10 · 2026-10-01 – 2026-10-31"]
    table = by_id(sections, "compliance-table")
    formulas = {t["kpi"]: t["formula"] for t in october["view"]["report"]["targets"]}
    assert rows_of(table) == {  # English prints the API's own formula, word for word
        "target-service_level": [
            "Service level measured by CallPulse", formulas["service_level"],
            "≥ 80.00 %", "80.00 %", "✓ met", "40", "40", "¥0", "Calls that missed ›",
        ],
        "target-abandon_rate": [
            "Abandon rate measured by CallPulse", formulas["abandon_rate"],
            "≤ 5.00 %", "10.00 %", "✗ missed", "20", "0", "¥150.00", "Calls that missed ›",
        ],
        "target-asa_s": [
            "ASA measured by CallPulse", formulas["asa_s"],
            "≤ 20.0 s", "13.3 s", "✓ met", "20", "20", "¥0", "Calls that missed ›",
        ],
        "target-csat": [
            "CSAT measured by CallPulse", formulas["csat"],
            "≥ 85.00", "90.00", "✓ met", "20", "20", "¥0", "Calls that missed ›",
        ],
    }  # fmt: skip
    assert formulas["service_level"] == "service level = A_T / offered (abandoned_negative)"
    assert cells(table.children[2].children) == ["Total", "100", "80", "¥150.00", ""]
    assert texts(by_id(sections, "score")) == ["80.00"]
    assert texts(by_id(sections, "score-detail")) == ["100 × 80 / 100 = 80.00"]
    assert texts(by_id(sections, "band")) == ["score ≥ 80 → × 1.00"]
    assert texts(by_id(sections, "coefficient")) == ["1.00"]
    assert texts(by_id(sections, "invoice-line")) == [
        "9 handled × ¥45.00 × 1.00 + ¥0 − ¥150.00 = ¥255.00"
    ]
    assert [cells(row) for row in by_id(sections, "amount-terms").children.children] == [
        ["Quantity", "9 handled"],
        ["Unit price", "¥45.00"],
        ["KPI coefficient", "× 1.00"],
        ["Bonus", "+ ¥0"],
        ["Penalty", "− ¥150.00"],
        ["Amount", "= ¥255.00"],
    ]
    assert [graph.id for graph in by_id(sections, "trends").children] == [
        "trend-service_level", "trend-abandon_rate", "trend-asa_s", "trend-csat",
    ]  # fmt: skip
    assert [link.href for link in by_id(sections, "download-section").children[1].children[:3]] == [
        f"/sla/export/{tenant.client}.{fmt}?period=2026-10&contract={october['contract']}&lang=en"
        for fmt in ("pdf", "xlsx", "csv")
    ]


def test_alerts_and_the_unacknowledged_list(october, tenant):
    sections, *_ = shown(october["view"], "en")
    assert texts(by_id(sections, "alert-summary")) == [
        "opened 2 · acknowledged 1 · mean response 05:00 ✓ (target under 10:00)"
    ]
    assert [cells(row) for row in by_id(sections, "alert-table").children[1].children] == [
        ["2026-10-14 14:00", tenant.queue, "service level", "critical",
         "not acknowledged", "", "--:--"],
        ["2026-10-14 09:30", tenant.queue, "service level", "critical",
         "2026-10-14 09:33", "", "03:20 ✓"],
    ]  # fmt: skip
    assert texts(by_id(sections, "unacked-title")) == [
        "Never acknowledged: missed, each counted until it resolved or the period ended (1)"
    ]
    head, body = by_id(sections, "unacked-alerts").children
    assert cells(head.children) == ["Opened", "Queue", "Rule", "Resolved", "Unacknowledged for"]
    assert [cells(row) for row in body.children] == [
        ["2026-10-14 14:00", tenant.queue, october["missed_rule"], "2026-10-14 14:06", "06:40 ✗"]
    ]


def test_the_view_in_chinese(october, tenant):
    sections, *_ = shown(october["view"], "zh")
    assert [texts(s.children[0]) for s in sections[1:]] == [
        ["考核达标情况"], ["数据接入质量"], ["考核得分与结算"], ["争议"], ["周期关账"],
        ["每日趋势（对照目标）"], ["告警响应时间"], ["下载"],
    ]  # fmt: skip
    abandon = rows_of(by_id(sections, "compliance-table"))["target-abandon_rate"]
    assert abandon == [
        "放弃率 CallPulse 系统采集", "放弃率 = 放弃量 / 呼入量（均不含短放弃）",
        "≤ 5.00 %", "10.00 %", "✗ 未达标", "20", "0", "¥150.00", "未达标通话 ›",
    ]  # fmt: skip
    assert texts(by_id(sections, "invoice-line")) == [
        "9 通 × ¥45.00 × 1.00 + ¥0 − ¥150.00 = ¥255.00"
    ]
    terms = [cells(row) for row in by_id(sections, "amount-terms").children.children]
    assert ["考核系数", "× 1.00"] in terms
    assert texts(by_id(sections, "unacked-title"))[0].startswith("从未确认的告警")
    head, _ = by_id(sections, "unacked-alerts").children
    assert cells(head.children) == ["触发时间", "队列", "规则", "恢复时间", "未确认时长"]
    assert by_id(sections, "download-csv").href.endswith("&lang=zh")
    assert labels("zh") == (
        "服务水平考核报告",
        "客户",
        "合同",
        "考核周期",
        [{"label": "月", "value": "month"}, {"label": "周", "value": "week"},
         {"label": "日", "value": "day"}],
        "English",
    )  # fmt: skip


def test_the_pickers_follow_the_url_and_the_clients_calendar():
    clients = [
        {"code": "acme", "name": "ACME Bank", "timezone": "Asia/Shanghai"},
        {"code": "globex", "name": "Globex", "timezone": "America/New_York"},
    ]
    assert first_view(clients, "?client=globex&period=2026-W47&contract=g-1") == (
        clients,
        [{"label": "ACME Bank (acme)", "value": "acme"},
         {"label": "Globex (globex)", "value": "globex"}],
        "globex",
        False,  # two clients: the picker is enabled
        "week",
        {"period": "2026-W47", "contract": "g-1"},
    )  # fmt: skip
    assert first_view(clients[:1], None)[2:5] == ("acme", True, "month")
    # 1 December 02:00 UTC is 10:00 in Shanghai, still 30 November (21:00) in New York
    now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    options, value = period_picker("month", "acme", clients, {}, None, now)
    assert value == "2026-12" and options[0]["value"] == "2026-12"
    options, value = period_picker("month", "globex", clients, {}, None, now)
    assert value == "2026-11" and options[0]["value"] == "2026-11"
    # the period the URL asked for, then the one shown, each kept if of the kind chosen
    assert period_picker("week", "acme", clients, {"period": "2026-W47"}, None, now)[1] == (
        "2026-W47"
    )
    old = period_picker("month", "acme", clients, {"period": "2024-02"}, None, now)
    assert old[1] == "2024-02" and old[0][-1] == {"label": "2024-02", "value": "2024-02"}
    assert period_picker("day", "acme", clients, {}, "2026-11", now)[1] == "2026-12-01"


def test_the_language_comes_from_the_url_until_toggled():
    assert language(None, "?lang=zh", "en") == "zh"
    assert language("url", "?client=acme", "zh") == "en"
    assert language("lang-toggle", "?lang=zh", "zh") == "en"
    assert language("lang-toggle", "", "en") == "zh"
    assert labels("en")[:4] == ("SLA report", "Client", "Contract", "Period")


def test_nothing_to_show_empties_the_report_and_disables_the_contracts():
    assert not_shown("No report: period: use YYYY-MM") == (
        [], "No report: period: use YYYY-MM", [], None, True,
    )  # fmt: skip
