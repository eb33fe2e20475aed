"""The wallboard without a browser: tiles, panels, labels and controls from the live view.

`live_queue` and `alert_row` are one queue of `app.kpi.live.queues_live` and one alert of
`dashboards.data.snapshot`, key for key (`test_the_literals_have_the_shape_the_services_return`
holds them to it). The queue: target SL ≥ 80 %, abandon ≤ 5 %, ASA ≤ 20 s, no AHT target;
today 35 of 40 answered (SL 75 %, 5 abandoned = 12.5 %, ASA 14 s, AHT 200 s; 42 received, of
which 2 blocked, none overflowed), 90 % in the last
10 minutes, a call waiting 6958 s = 1:55:58 past T = 20 s, Erlang C needs 4 with 3 on phones.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dash import no_update

from app.access.users import create_share_link, share_principal
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.kpi.aggregation import run_pass
from app.kpi.live_cache import SharedStates
from dashboards import data
from dashboards.i18n import word
from dashboards.wall_url import WallSettings
from dashboards.wall_view import fingerprints
from dashboards.wallboard import (
    FILTERS,
    PANELS,
    board,
    board_tiles,
    clicked_alert,
    focus_chart,
    labels,
    refreshed,
    synced,
)
from tests.contracts.helpers import open_alerts
from tests.dashboards.tree import by_id, texts
from tests.factories import cdr, post

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai; a TV's first group


def board_state(queues: list[dict], alerts: list[dict] | None = None) -> dict:
    """A live state as `dashboards.data.snapshot` returns it, unfiltered: the queues, the
    alerts, and the codes the filters may choose from."""
    options = {
        "client": sorted({q["client"] for q in queues}),
        "vendor": sorted({f["vendor"] for q in queues for f in q["feeds"]}),
        "queue": [q["queue"] for q in queues],
    }
    return {"queues": queues, "alerts": alerts or [], "options": options}


def live_queue(queue: str = "acme-cards", **changes) -> dict:
    """One queue as `queues_live` returns it (see the module's docstring for its numbers)."""
    return {
        "queue": queue,
        "client": "acme",
        "timezone": "Asia/Shanghai",
        "as_of": "2026-11-29T20:00:00+08:00",
        "sl_formula": "abandoned_negative",
        "sl_threshold_s": 20,
        "targets": {
            "service_level": {"min": 0.8, "max": None},
            "abandon_rate": {"min": None, "max": 0.05},
            "asa_s": {"min": None, "max": 20.0},
        },
        "waiting": 3,
        "longest_wait_s": 6958.0,
        "lost_calls_today": 0,
        "waiting_horizon_s": 14400,
        "today": {
            "offered": 40,
            "answered": 35,
            "abandoned": 5,
            "service_level": 0.75,
            "asa_s": 14.0,
            "answer_rate": 0.875,
            "abandon_rate": 0.125,
            "handled": 35,
            "aht_s": 200.0,
            "received": 42,
            "overflowed": 0,
            "blocked": 2,
        },
        "alerts_today": {"alerts_opened": 2, "alert_response_s": 300.0},
        "callbacks": {"pending": 2, "overdue": 1, "oldest_pending_s": 4500.0},
        "service_level_10m": 0.9,
        "agents_by_state": {"available": 1, "talking": 2, "acw": 0, "not_ready": 1, "stale": 0},
        "agents": [
            {
                "agent": "ag-1",
                "vendor": "vendor-a",
                "state": "not_ready",
                "reported_state": "not_ready",
                "since": "2026-11-29T19:50:00+08:00",
                "in_state_s": 600.0,
                "reason": "training",
                "handled_today": 12,
                "aht_s": 210.5,
                "scheduled": "work",
                "adherence": "out",
            }
        ],
        "staffing": {
            "arrivals_30m": 12,
            "aht_s": 200.0,
            "target_service_level": 0.8,
            "required_agents": 4,
            "agents_on_phones": 3,
            "staffing_gap": 1,
            "forecast_service_level": 0.8312,
        },
        "feeds": [
            {
                "vendor": "vendor-a",
                "last_record_at": "2026-11-29T19:59:57+08:00",
                "age_s": 3.0,
                "rejected_today": 0,
                "rejected_today_no_client": 0,
            }
        ],
    } | changes


def alert_row(alert_id: int, queue: str = "acme-cards", **changes) -> dict:
    """One active alert as `dashboards.data.snapshot` lists it: SL 70 % < 80 %, critical."""
    return {
        "id": alert_id,
        "state": "open",
        "rule": "acme-sl",
        "severity": "critical",
        "client": "acme",
        "queue": queue,
        "metric": "service_level",
        "op": "<",
        "value": 0.7,
        "opened_value": 0.7,
        "threshold": 0.8,
        "opened_at": "2026-11-29T19:40:00+08:00",
        "acknowledged_at": None,
        "acknowledged_by": None,
        "resolved_at": None,
        "resolved_by": None,
        "escalated_at": None,
        "response_s": None,
    } | changes


def numbers(tile: dict) -> dict[str, tuple[str, str, str, str]]:
    """Each number of a tile by element id: (label, text, css class, icon)."""
    return {
        m["id"]: (m["label"], m["text"], m["css"], m["icon"]) for m in tile["big"] + tile["small"]
    }


def shown_tile(queue: dict, lang: str = "en") -> dict:
    """The one tile a board of `queue` shows."""
    [tile] = board(board_state([queue]), WallSettings(lang=lang), False, NOON)[2]
    return tile


def test_a_tile_judges_each_number_against_the_queues_own_target():
    tile = shown_tile(live_queue())
    assert (tile["id"], tile["name"]) == ("tile-acme-cards", "acme-cards")
    got = numbers(tile)
    assert got["waiting-acme-cards"] == ("Waiting", "3", "", "")
    # waiting past the SL threshold T = 20 s, and for over an hour: h:mm:ss, not 115:58
    assert got["longest-wait-acme-cards"] == ("Longest wait", "1:55:58", "breach", "")
    # 75 % is within 5 points under the 80 % target: amber, with its icon
    assert got["sl-today-acme-cards"] == (
        "Service level today (target 80%)", "75.0 %", "warn", "◆",
    )  # fmt: skip
    assert got["sl-10m-acme-cards"] == ("Last 10 min", "90.0 %", "met", "✓")
    assert got["abandon-acme-cards"] == ("Abandon rate", "12.5 %", "breach", "✗")
    assert got["asa-acme-cards"] == ("ASA", "00:14", "met", "✓")
    assert got["aht-acme-cards"] == ("AHT", "03:20", "neutral", "")  # no target, no verdict
    assert got["erlang-acme-cards"] == ("Erlang C (need · have)", "4 · 3", "breach", "")
    assert got["exits-acme-cards"] == ("Received · overflowed · blocked", "42 · 0 · 2", "", "")
    assert got["alert-response-acme-cards"] == ("Alert response today (2)", "05:00", "met", "✓")
    [answered] = [m for m in tile["small"] if m["id"] is None]
    assert (answered["label"], answered["text"]) == ("Answered / offered", "35 / 40")
    assert [(s["state"], s["text"], s["grow"]) for s in tile["segments"]] == [
        ("available", "Available 1", 1),
        ("talking", "Talking 2", 2),
        ("acw", "ACW 0", 0.2),
        ("not_ready", "Not ready 1", 1),
        ("stale", "Stale 0", 0.2),
    ]


def test_a_value_at_its_target_is_met_and_a_short_wait_is_not_marked():
    queue = live_queue(
        longest_wait_s=20.0,  # at T, not past it
        today=live_queue()["today"] | {"service_level": 0.8, "abandon_rate": 0.05},
        service_level_10m=None,
        staffing=live_queue()["staffing"] | {"staffing_gap": 0, "agents_on_phones": 4},
    )
    got = numbers(shown_tile(queue))
    assert got["longest-wait-acme-cards"][1:3] == ("00:20", "")
    assert got["sl-today-acme-cards"][1:] == ("80.0 %", "met", "✓")
    assert got["abandon-acme-cards"][1:] == ("5.0 %", "met", "✓")
    assert got["sl-10m-acme-cards"][1:] == ("—", "neutral", "")  # no calls: no verdict
    assert got["erlang-acme-cards"][1:3] == ("4 · 4", "met")


def test_a_tile_in_chinese():
    tile = shown_tile(live_queue(), "zh")
    got = numbers(tile)
    assert [label for label, *_ in got.values()] == [
        "排队数",
        "最长等待",
        "今日服务水平 (目标 80%)",
        "近10分钟",
        "接通 / 呼入",
        "总呼入量 · 溢出 · 未进队",
        "放弃率",
        "平均应答速度",
        "平均处理时长",
        "Erlang C (需要 · 在岗)",
        "待回访 · 已超时",
        "今日告警响应 (2)",
    ]
    assert got["longest-wait-acme-cards"][1] == "1:55:58"
    assert tile["agents_title"] == "坐席"
    assert [s["text"] for s in tile["segments"]][:2] == ["空闲 1", "通话 2"]


def panel_text(panel) -> str:
    return " ".join(texts(panel))


def test_an_alert_at_its_threshold_never_reads_as_a_false_comparison():
    state = board_state(
        [live_queue()],
        [
            alert_row(1, value=0.8),  # exactly at the threshold
            alert_row(2, value=0.7996),  # rounds to 80.0 % too: more digits tell them apart
            alert_row(3, value=0.81, state="acknowledged"),  # back above, not yet cleared
        ],
    )
    panels, *_ = board(state, WallSettings(), True, NOON)
    rows = {row.id: panel_text(row) for row in panels["alerts-panel"]}
    assert "80.0 % < 80.0 %" not in " ".join(rows.values())
    assert rows["ack-1"] == (
        "⚠ critical acme-cards · service level 80.0 % (at the threshold) since 19:40 Acknowledge"
    )
    assert "service level 79.96 % < 80.00 %" in rows["ack-2"]
    assert rows["ack-3"].endswith(
        "81.0 % > 80.0 % (recovering, still open) since 19:40 acknowledged"
    )
    assert texts(panels["alert-count"]) == [
        "⚠ 2 alerts to acknowledge · 1 acknowledged, still open"
    ]
    viewer, *_ = board(state, WallSettings(lang="zh"), False, NOON)  # may not acknowledge
    assert by_id(viewer["alerts-panel"], {"type": "ack", "alert": 1}) is None
    assert panel_text(viewer["alerts-panel"][0]).startswith(
        "⚠ 严重 acme-cards · 服务水平 80.0 % （等于阈值） 开始于 19:40"
    )


def test_calls_lost_past_the_waiting_horizon_are_named_with_their_queues():
    state = board_state(
        [
            live_queue("acme-cards", lost_calls_today=2),
            live_queue("acme-loans", lost_calls_today=0),
            live_queue("acme-cars", lost_calls_today=1),
        ]
    )
    panels, *_ = board(state, WallSettings(), False, NOON)
    assert texts(by_id(panels["feed-health"], "lost-calls")) == [
        "3 calls with no answer or end for over 4 h — the feed may have lost their end"
        " (acme-cards, acme-cars)"
    ]
    zh, *_ = board(state, WallSettings(lang="zh", queues=["acme-cars"]), False, NOON)
    assert texts(by_id(zh["feed-health"], "lost-calls")) == [
        "1 通电话超过 4 小时无接通或结束记录——数据源可能丢失了结束记录（acme-cars）"
    ]
    quiet, *_ = board({**state, "queues": state["queues"][1:2]}, WallSettings(), False, NOON)
    assert by_id(quiet["feed-health"], "lost-calls") is None
    assert texts(quiet["feed-health"]) == ["● vendor-a last record 3 s ago"]


def test_tv_mode_shows_even_groups_of_up_to_four_three_alerts_and_hides_the_controls():
    queues = [live_queue(f"q{n}") for n in range(1, 7)]
    alerts = [alert_row(n, f"q{n}") for n in range(1, 6)]
    state = board_state(queues, alerts)
    tv = WallSettings(tv=True)
    panels, _, tiles, focus = board(state, tv, True, NOON)
    assert [t["name"] for t in tiles] == ["q1", "q2", "q3"] and focus == "q1"  # 6: 3 + 3
    assert len(panels["alerts-panel"]) == 4  # three alerts, then how many more
    assert texts(panels["alerts-panel"][-1]) == ["+ 2 more: leave TV mode to see every alert"]
    assert texts(panels["alert-count"]) == ["⚠ 5 alerts to acknowledge"]  # every alert counts
    _, _, turned, focus = board(state, tv, True, NOON + timedelta(seconds=15))
    assert [t["name"] for t in turned] == ["q4", "q5", "q6"] and focus == "q4"
    panels, _, tiles, _ = board(state, WallSettings(), True, NOON)
    assert len(tiles) == 6 and len(panels["alerts-panel"]) == 5
    assert labels(tv)[-2:] == ("tv", "en")  # the `tv` class hides every control
    assert labels(WallSettings())[-2:] == ("", "en")


def test_a_push_sends_the_tiles_the_board_shows():
    state = board_state([live_queue(f"q{n:02d}") for n in range(30)])
    for wall, at in (
        (WallSettings(tv=True), NOON),
        (WallSettings(tv=True), NOON + timedelta(seconds=15)),  # the next group
        (WallSettings(queues=["q03", "q05"], lang="zh"), NOON),
        (WallSettings(), NOON),  # the tile limit
    ):
        assert board_tiles(state, wall, at) == board(state, wall, False, at)[2]


def test_the_board_in_chinese_labels_its_controls_and_its_language():
    assert labels(WallSettings(lang="zh", tv=True)) == (
        "CallPulse 实时监控",
        "告警",
        "English",
        "电视模式",
        *(word("zh", name) for name in FILTERS),
        "tv",
        "zh-CN",
    )
    assert labels(WallSettings())[:4] == ("CallPulse wallboard", "Alerts", "中文", "TV mode")


def test_a_board_of_more_queues_than_fit_counts_the_rest():
    state = board_state([live_queue(f"q{n:02d}") for n in range(30)])
    panels, options, tiles, _ = board(state, WallSettings(), False, NOON)
    assert len(tiles) == 24 and len(options["queue"]) == 30
    assert texts(panels["more-queues"]) == [
        "+ 6 more queues not shown: narrow the filters, or use TV mode to rotate"
    ]
    assert texts(panels["clock"]) == ["20:00:00 Asia/Shanghai"]


def test_a_refresh_resends_only_what_changed():
    state = board_state([live_queue()], [alert_row(1)])
    boards = SharedStates(ttl_s=60, max_entries=8)
    first = refreshed(state, WallSettings(), True, NOON, None, boards)
    names = [*PANELS, *FILTERS, "tiles", "focus"]
    assert len(first) == len(names) + 1
    assert no_update not in first[:-1]
    panels, options, tiles, focus = board(state, WallSettings(), True, NOON)
    expected = [*(panels[n] for n in PANELS), *(options[n] for n in FILTERS), tiles, focus]
    assert first[-1] == fingerprints(expected, names)
    again = refreshed(state, WallSettings(), True, NOON, first[-1], boards)
    assert again[:-1] == [no_update] * len(names) and again[-1] == first[-1]
    busier = {**state, "queues": [live_queue(waiting=4)]}
    changed = refreshed(busier, WallSettings(), True, NOON, first[-1], boards)
    resent = [name for name, out in zip(names, changed, strict=False) if out is not no_update]
    assert resent == ["tiles"]
    assert numbers(changed[names.index("tiles")][0])["waiting-acme-cards"][1] == "4"


def test_screens_of_one_state_and_settings_share_a_drawing_each_second():
    state = board_state([live_queue()], [alert_row(1)])
    boards = SharedStates(ttl_s=60, max_entries=8)
    first = refreshed(state, WallSettings(), True, NOON, None, boards)
    assert refreshed(state, WallSettings(), True, NOON, None, boards) == first
    assert boards.computations == 1  # a second screen, the same drawing
    others = [
        refreshed(state, WallSettings(lang="zh"), True, NOON, None, boards),
        refreshed(state, WallSettings(), False, NOON, None, boards),  # may not acknowledge
        refreshed(state, WallSettings(), True, NOON + timedelta(seconds=1), None, boards),
        refreshed(board_state([live_queue()]), WallSettings(), True, NOON, None, boards),
    ]
    assert boards.computations == 5
    assert all(other[-1] != first[-1] for other in others)


def test_controls_write_the_url_and_a_url_read_sets_the_controls():
    tv_on = synced("tv-toggle", "?token=t&lang=en", WallSettings().data(), [None] * 3)
    assert tv_on[:2] == [WallSettings(tv=True).data(), "?token=t&tv=1&lang=en"]
    assert tv_on[2:] == [no_update] * 6  # the controls already show what was chosen
    read = synced(None, "?token=t&lang=zh&client=acme&queues=q1,q2", None, [None] * 3)
    wall = WallSettings(lang="zh", clients=["acme"], queues=["q1", "q2"])
    assert read == [wall.data(), no_update, ["acme"], [], ["q1", "q2"], ["acme"], [], ["q1", "q2"]]


def test_only_a_clicked_acknowledge_button_acknowledges():
    assert clicked_alert({"type": "ack", "alert": 7}, [None, 1]) == 7
    assert clicked_alert({"type": "ack", "alert": 7}, [None, None]) is None  # redrawn, not clicked
    assert clicked_alert(None, []) is None


def test_without_a_queue_in_focus_the_chart_is_empty():
    figure = focus_chart(WallSettings(lang="zh"), None, None)
    assert [trace["name"] for trace in figure["data"]] == [
        "呼入",
        "接通",
        "放弃",
        "今日服务水平",
        "目标",
    ]
    assert all(trace["x"] == [] for trace in figure["data"])
    assert figure["layout"]["title"]["text"] == ""


def differences(real, literal, path: str = "") -> list[str]:
    """Where a literal's shape differs from a service's answer: keys, and types where both
    hold a value (a list by its first element)."""
    if isinstance(real, dict) and isinstance(literal, dict):
        named = [f"{path}.{k}: only in the service's" for k in real.keys() - literal.keys()]
        named += [f"{path}.{k}: only in the literal" for k in literal.keys() - real.keys()]
        both = real.keys() & literal.keys()
        return named + [
            d for k in sorted(both) for d in differences(real[k], literal[k], f"{path}.{k}")
        ]
    if isinstance(real, list) and isinstance(literal, list):
        return differences(real[0], literal[0], f"{path}[0]") if real and literal else []
    if real is None or literal is None or type(real) is type(literal):
        return []
    return [f"{path}: {type(real).__name__} in the service's, {type(literal).__name__} here"]


def test_the_literals_have_the_shape_the_services_return(client, database, settings, pg, tenant):
    # the literal's queue has an ASA target besides the defaults; so has this one
    spec = {"code": tenant.queue, "client": tenant.client, "vendors": [tenant.vendor]}
    with database.session_scope() as session:
        apply_tenancy(
            session,
            TenancyFile.model_validate({"queues": [spec | {"targets": {"asa_s": {"max": 20}}}]}),
        )
    now = datetime.now(UTC)
    midnight = datetime.combine(now.astimezone(SHANGHAI).date(), datetime.min.time(), SHANGHAI)
    first = max(now - timedelta(minutes=3), midnight + timedelta(seconds=1))  # today's
    ago = [(first + timedelta(seconds=n)).isoformat() for n in range(4)]
    calls = [  # 3 of 4 answered within T = 20 s
        cdr(f"sh{n}", tenant.queue, at, wait=wait, agent="ag-1")
        for n, (at, wait) in enumerate(zip(ago, (5, 10, 15, 35), strict=True))
    ]
    calls.append({"call_id": "sh-wait", "queue": tenant.queue, "offered_at": ago[0]})
    assert post(client, "/v1/calls", calls, tenant).json()["accepted"] == 5
    agent = {"agent": "ag-1", "state": "talking", "at": ago[0], "queues": [tenant.queue]}
    assert post(client, "/v1/agent-events", [agent], tenant).json()["accepted"] == 1
    run_pass(database, settings)
    opened = (now - timedelta(minutes=1)).astimezone(SHANGHAI)
    open_alerts(pg, tenant, [(f"{opened:%Y-%m-%dT%H:%M}", None, None)])
    with database.session_scope() as session:
        token = create_share_link(session, f"shape-{tenant.client}", tenant.client)
        principal = share_principal(session, token)
    state = data.snapshot(database, settings, principal)
    [live] = [q for q in state["queues"] if q["queue"] == tenant.queue]
    [alert] = [a for a in state["alerts"] if a["queue"] == tenant.queue]
    assert differences(live, live_queue()) == []
    assert differences(alert, alert_row(1)) == []
    assert live["agents"] and live["feeds"]  # the lists were compared by an element
    # the board reads the real answer as it reads the literal
    wall = WallSettings(queues=[tenant.queue])
    panels, _, [tile], focus = board(state, wall, False, now)
    got = numbers(tile)
    assert got[f"waiting-{tenant.queue}"][1] == "1"
    assert got[f"sl-today-{tenant.queue}"][1:] == ("75.0 %", "warn", "◆")
    assert got[f"asa-{tenant.queue}"][1:] == ("00:16", "met", "✓")  # (5 + 10 + 15 + 35) / 4
    assert texts(panels["alert-count"]) == ["⚠ 1 alert to acknowledge"]
    today = data.today_by_interval(database, settings, principal, focus)
    figure = focus_chart(wall, focus, today)
    assert figure["layout"]["title"]["text"] == f"{tenant.queue} · Asia/Shanghai"
    offered, answered, _, _, target = figure["data"]
    assert sum(offered["y"]) == 4 and sum(answered["y"]) == 4
    assert target["y"] == [0.8] * len(today[0])
    berlin = focus_chart(WallSettings(tz="Europe/Berlin"), focus, today)
    assert berlin["layout"]["title"]["text"] == f"{tenant.queue} · Europe/Berlin"
