"""The plan page's pure parts without a browser: figures, table, chart, URL settings."""

from datetime import UTC, datetime

from dash import no_update
from hypothesis import given
from hypothesis import strategies as st

from dashboards.plan.figure import plan_figure
from dashboards.plan.page import labels, queue_label, rendered, synced
from dashboards.plan.url import PlanSettings, after, from_search, resolve, to_search
from dashboards.plan.view import facts, gap_text, number, table, totals

ZONE = "Asia/Shanghai"


def interval(hhmm, end, source, offered, aht, need, have):
    gap = None if need is None or have is None else round(have - need, 2)
    return {
        "start": f"2026-12-01T{hhmm}:00+08:00",
        "end": f"2026-12-01T{end}:00+08:00",
        "source": source,
        "offered": offered,
        "aht_s": aht,
        "required_agents": need,
        "scheduled_agents": have,
        "staffing_gap": gap,
    }


def a_plan(scheduled=True):
    """Three 30-minute intervals: a WFM forecast, CallPulse's own (no AHT), none."""
    return {
        "queue": "cards",
        "client": "acme",
        "date": "2026-12-01",
        "timezone": ZONE,
        "interval_minutes": 30,
        "sl_threshold_s": 15,
        "target_service_level": 0.9,
        "default_aht_s": 300.0,
        "own_forecast_accuracy": {
            "kpi": "forecast_accuracy",
            "from": "2026-11-23",
            "to": "2026-11-30",
            "intervals": 336,
            "value": 0.8765,
        },
        "intervals": [
            interval("09:00", "09:30", "nice", 40.5, 200, 8, 6.5 if scheduled else None),
            interval("09:30", "10:00", "callpulse", 12, None, 4, 4 if scheduled else None),
            interval("10:00", "10:30", None, None, None, None, 0 if scheduled else None),
        ],
    }


def test_totals_are_summed_by_hand():
    # calls 40.5 + 12 = 52.5; required (8 + 4) × 0.5 h = 6 agent-hours;
    # scheduled (6.5 + 4 + 0) × 0.5 h = 5.25 agent-hours; 09:00 is short (6.5 < 8)
    assert totals(a_plan()) == {
        "offered": 52.5,
        "required_hours": 6.0,
        "scheduled_hours": 5.25,
        "short": 1,
        "intervals": 3,
    }
    assert totals(a_plan(scheduled=False))["scheduled_hours"] is None


def test_numbers_and_gaps_read_as_people_write_them():
    assert [number(v) for v in (1234.5, 8.731, 20.0, 0.0, 0.001)] == [
        "1,234.5",
        "8.73",
        "20",
        "0",
        "0",
    ]
    assert [gap_text(g) for g in (1.5, 0, -2, -0.25)] == ["+1.5", "0", "−2", "−0.25"]


def test_the_facts_in_both_languages():
    en = {key: (value, detail) for key, _, value, detail in facts(a_plan(), "en")}
    assert en["sl"] == ("90 % of calls answered within 15 s", "")
    assert en["accuracy"] == ("87.65 %", "2026-11-23 – 2026-11-29 · 336 intervals")
    assert en["calls"][0] == "52.5 calls"
    assert (en["required"][0], en["scheduled"][0]) == ("6.00 agent-hours", "5.25 agent-hours")
    assert en["short"][0] == "1 of 3"
    zh = {key: (label, value) for key, label, value, _ in facts(a_plan(False), "zh")}
    assert zh["day"] == ("日期 (Asia/Shanghai)", "2026-12-01")
    assert zh["sl"][1] == "15 秒内接通率 90 %"
    assert zh["calls"][1] == "52.5 通"
    assert zh["scheduled"] == ("排班坐席工时", "未收到排班")
    unmeasured = a_plan()
    unmeasured["own_forecast_accuracy"]["value"] = None
    value, detail = next(f[2:] for f in facts(unmeasured, "en") if f[0] == "accuracy")
    assert value == "—" and "no stored CallPulse forecast of 2026-11-23 – 2026-11-29" in detail


def test_the_table_marks_the_short_interval_and_names_the_sources():
    rows = table(a_plan(), "zh").children[1].children
    texts = [[td.children for td in row.children] for row in rows]
    assert texts[0] == ["09:00–09:30", "nice", "40.5", "200", "8", "6.5", "⚠ −1.5"]
    assert texts[1] == ["09:30–10:00", "CallPulse 预测", "12", "300 (默认)", "4", "4", "0"]
    assert texts[2] == ["10:00–10:30", "—", "—", "—", "—", "0", "—"]
    assert [row.className for row in rows] == ["short", "", ""]
    assert rows[0].id == "plan-row-0900"
    heads = table(a_plan(), "en").children[0].children.children
    assert heads[0].children == f"Interval ({ZONE})"
    assert heads[2].children == "Forecast offered (calls)"


def test_the_chart_draws_required_against_scheduled_with_the_short_interval_marked():
    figure = plan_figure(a_plan(), "en")
    names = [t["name"] for t in figure["data"]]
    assert names == [
        "Forecast offered (calls)",
        "Required agents (Erlang C)",
        "Scheduled agents",
        "understaffed",
    ]
    assert figure["data"][0]["yaxis"] == "y2" and figure["data"][0]["y"] == [40.5, 12, None]
    assert figure["data"][1]["x"][0] == "2026-12-01T09:00"  # wall time, Shanghai
    assert figure["data"][3]["x"] == ["2026-12-01T09:00"] and figure["data"][3]["y"] == [6.5]
    assert ZONE in figure["layout"]["title"]["text"]
    no_schedule = plan_figure(a_plan(scheduled=False), "zh")
    names = [t["name"] for t in no_schedule["data"]]
    assert names == ["预测呼入量（通）", "所需坐席数（Erlang C）"]


def test_the_url_names_what_it_cannot_use():
    read = from_search("?queue=cards&date=2026-13-01&lang=fr&token=x")
    assert read == PlanSettings(
        "cards",
        None,
        "en",
        [["date", "2026-13-01", "url_date"], ["lang", "fr", "url_lang"]],
    )
    assert to_search(read.but(lang="zh"), "?token=x&queue=old") == "?token=x&queue=cards&lang=zh"
    assert to_search(PlanSettings(), "") == "?lang=en"


codes = st.from_regex(r"[a-z][a-z0-9_.-]{0,20}", fullmatch=True)
days = st.dates().map(lambda d: d.isoformat())


@given(queue=st.none() | codes, day=st.none() | days, lang=st.sampled_from(["en", "zh"]))
def test_settings_survive_the_url(queue, day, lang):
    settings = PlanSettings(queue, day, lang)
    assert from_search(to_search(settings, "?tv=1")) == settings


QUEUES = [
    {"code": "cards", "name": "Cards", "client": "acme", "timezone": ZONE},
    {"code": "loans", "name": "loans", "client": "acme", "timezone": ZONE},
]
NIGHT = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 December in Shanghai


def test_a_queue_not_visible_is_never_shown_and_the_day_defaults_to_tomorrow():
    shown, day = resolve(from_search("?queue=elsewhere"), QUEUES, NIGHT)
    assert shown.queue == "cards" and day == "2026-12-02"  # tomorrow in Shanghai, not UTC
    assert shown.problems == [["queue", "elsewhere", "url_unknown"]]
    shown, day = resolve(from_search("?queue=loans&date=2026-12-24"), QUEUES, NIGHT)
    assert (shown.queue, day, shown.problems) == ("loans", "2026-12-24", [])
    assert resolve(from_search(""), [], NIGHT) == (PlanSettings(), None)


def test_controls_change_the_settings_and_the_url():
    current = PlanSettings("cards", None, "en")
    assert after("next-day", current, "cards", "2026-12-31") == (
        PlanSettings("cards", "2027-01-01", "en"),
        "2027-01-01",
    )
    assert after("prev-day", current, "cards", "2026-12-01")[0].date == "2026-11-30"
    assert after("lang-toggle", current, "cards", "2026-12-01")[0].lang == "zh"
    assert after("queue-picker", current, "loans", "2026-12-01")[0] == PlanSettings("loans")
    assert after("date-picker", current, "cards", "2026-12-05T00:00:00")[0].date == "2026-12-05"
    loaded = synced(None, "?queue=loans&lang=zh", None, (None, None), QUEUES, NIGHT)
    assert loaded[0] == PlanSettings("loans", None, "zh").data() and loaded[1] is no_update
    assert [o["label"] for o in loaded[3]] == ["Cards (cards) · acme", "loans · acme"]
    assert loaded[4:] == ["loans", "2026-12-02"]
    stepped = synced("next-day", "?queue=loans", loaded[0], ("loans", "2026-12-02"), None, NIGHT)
    assert stepped[1] == "?queue=loans&date=2026-12-03&lang=zh" and stepped[-1] == "2026-12-03"


def test_no_plan_leaves_a_note_and_the_labels_follow_the_language():
    note, *rest = rendered(None, "No plan: unknown queue 'x'", PlanSettings(problems=[]))
    assert note == "No plan: unknown queue 'x'" and rest[0] is None
    assert labels("zh")[0] == "时段排班计划" and labels("zh")[-1] == "zh-CN"
    assert queue_label({"code": "q", "name": None, "client": "c"}) == "q · c"
