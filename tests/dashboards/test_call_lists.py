"""The calls behind a figure without a browser: what each figure lists, the URL that holds the
open list, the table's columns and units, and the panels' outputs from a page of rows."""

import urllib.parse
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dash import Patch, no_update
from hypothesis import given, settings
from hypothesis import strategies as st

from app.evidence.service import CallQuery, TicketQuery
from dashboards.call_lists import local_day, missed_listing, missed_source, today_calls
from dashboards.call_table import COLUMNS, count_text, header, rows
from dashboards.components import tile_view
from dashboards.sla.components import missed_opener
from dashboards.sla.missed import CLOSED, missed_view
from dashboards.wall_calls import PANEL, TV_ROWS, calls_panel
from dashboards.wall_url import WallSettings, after, call_list, from_search, to_search
from tests.dashboards.test_wall_page import live_queue
from tests.dashboards.tree import cells, texts

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai


def call(n: int, **changes) -> dict:
    """A listed call as the evidence service answers it (times in the client's timezone)."""
    return {
        "call_id": f"c{n}",
        "queue": "acme-cards",
        "vendor": "vendor-a",
        "agent": None,
        "offered_at": f"2026-11-29T{10 + n // 60}:{n % 60:02d}:05+08:00",
        "answered_at": None,
        "ended_at": f"2026-11-29T{10 + n // 60}:{n % 60:02d}:50+08:00",
        "wait_s": 45.0,
        "talk_s": None,
        "hold_s": None,
        "acw_s": None,
        "outcome": "abandoned",
        "sl_met": False,
        "transferred": False,
        "resolved": None,
        "csat": None,
        "exit_reason": "abandoned",
    } | changes


def test_a_tiles_figures_open_their_lists_and_the_rest_do_not():
    tile = tile_view(live_queue(), "zh")
    drills = {m["id"]: m.get("drill") for m in tile["big"] + tile["small"]}
    assert {k: v["list"] for k, v in drills.items() if v} == {
        "waiting-acme-cards": "waiting",
        "sl-today-acme-cards": "sl_missed",
        "abandon-acme-cards": "abandoned",
    }
    assert drills["waiting-acme-cards"] == {
        "queue": "acme-cards",
        "list": "waiting",
        "hint": "查看这个数字背后的通话",
    }


def test_today_is_the_clients_day_and_waiting_reaches_back_the_horizon():
    start, end = local_day(NOW, SHANGHAI)
    assert (start.isoformat(), end.isoformat()) == (
        "2026-11-29T00:00:00+08:00",
        "2026-11-30T00:00:00+08:00",
    )
    # the day DST ends in Berlin has 25 hours
    start, end = local_day(datetime(2026, 10, 25, 12, tzinfo=UTC), BERLIN)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=25)
    [abandoned] = today_calls("abandoned", NOW, SHANGHAI, 14_400).queries
    assert abandoned == CallQuery(start=start_of(NOW), end=end_of(NOW), outcome="abandoned")
    [missed] = today_calls("sl_missed", NOW, SHANGHAI, 14_400).queries
    assert (missed.sl, missed.outcome) == ("missed", None)
    # at 01:00 in Shanghai, a call offered at 23:00 yesterday still waits (4 h horizon)
    early = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
    [waiting] = today_calls("waiting", early, SHANGHAI, 14_400).queries
    assert (waiting.start, waiting.end, waiting.outcome) == (
        early - timedelta(hours=4),
        early,
        "waiting",
    )


def start_of(now: datetime) -> datetime:
    return local_day(now, SHANGHAI)[0]


def end_of(now: datetime) -> datetime:
    return local_day(now, SHANGHAI)[1]


def test_each_contract_kpi_lists_what_misses_it_or_says_why_nothing_does():
    start, end = datetime(2026, 11, 1, tzinfo=SHANGHAI), datetime(2026, 12, 1, tzinfo=SHANGHAI)

    def listed(key: str, **target) -> tuple | None:
        listing = missed_listing(key, {"min": None, "max": None} | target, start, end)
        if listing is None:
            return None
        plain = [
            {k: v for k, v in vars(q).items() if v is not None and k not in ("start", "end")}
            for q in listing.queries
        ]
        assert all((q.start, q.end) == (start, end) for q in listing.queries)
        return listing.source, plain, listing.exact

    assert listed("service_level", min=0.8) == ("calls", [{"sl": "missed"}], True)
    assert listed("abandon_rate", max=0.05) == ("calls", [{"outcome": "abandoned"}], True)
    assert listed("answer_rate", min=0.9) == (
        "calls",
        [{"outcome": "abandoned"}, {"outcome": "overflowed"}],
        True,
    )
    assert listed("transfer_rate", max=0.1) == ("calls", [{"transferred": True}], True)
    assert listed("fcr_rate", min=0.7) == ("calls", [{"resolved": False}], True)
    assert listed("asa_s", max=20) == (
        "calls",
        [{"outcome": "answered", "min_wait_s": 20}],
        False,  # an average: its figure does not fix how many waited longer
    )
    assert listed("csat", min=85) == ("calls", [{"csat_below": 85}], False)
    assert listed("ticket_frt_sla.email", min=0.9) == (
        "tickets",
        [{"channel": "email", "frt": "missed"}],
        True,
    )
    assert listed("ticket_resolution_sla", min=0.9) == ("tickets", [{"resolution": "missed"}], True)
    for kpi in ("aht_s", "occupancy", "utilization", "not_ready_ratio", "alert_response_s"):
        assert listed(kpi, max=1) is None, kpi
    assert missed_source("ticket_frt_sla.chat", {"min": 0.9, "max": None}) == "tickets"
    assert isinstance(
        missed_listing("ticket_frt_sla", {"min": 0.9}, start, end).queries[0], TicketQuery
    )
    button = missed_opener("abandon_rate", {"min": None, "max": 0.05}, "en")
    assert (button.id, texts(button)) == (
        {"type": "missed", "kpi": "abandon_rate"},
        ["Calls that missed ›"],
    )
    assert texts(missed_opener("occupancy", {"min": 0.7, "max": None}, "zh")) == [
        "按坐席工时计算，不对应具体通话"
    ]


def test_the_open_list_lives_in_the_url_and_a_wrong_one_is_named():
    wall = from_search("?token=t&lang=zh&tv=1&calls=acme-cards:abandoned")
    assert (wall.calls, call_list(wall.calls), wall.problems) == (
        "acme-cards:abandoned",
        ("acme-cards", "abandoned"),
        [],
    )
    assert to_search(wall, "?token=t") == "?token=t&tv=1&lang=zh&calls=acme-cards:abandoned"
    bad = from_search("?calls=acme-cards:everything")
    assert (bad.calls, bad.problems) == (None, [["calls", "acme-cards:everything", "url_calls"]])
    opened, written = after(
        "calls-open", "?token=t&tv=1", WallSettings(tv=True).data(),
        opened={"queue": "q.1", "list": "sl_missed", "at": 1},
    )  # fmt: skip
    assert (opened.calls, written) == ("q.1:sl_missed", "?token=t&tv=1&lang=en&calls=q.1:sl_missed")
    closed, written = after("calls-close", written, opened.data())
    assert (closed.calls, written) == (None, "?token=t&tv=1&lang=en")
    assert (
        after("calls-open", "", None, opened={"queue": "x y", "list": "waiting"})[0].calls is None
    )


@settings(max_examples=40)
@given(
    queue=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True),
    kind=st.sampled_from(["waiting", "abandoned", "sl_missed"]),
    token=st.text(min_size=1),
)
def test_an_open_list_written_into_the_url_reads_back_the_same(queue, kind, token):
    wall = WallSettings(tv=True, queues=[queue], calls=f"{queue}:{kind}")
    search = to_search(wall, urllib.parse.urlencode({"token": token}))
    assert from_search(search) == wall


def test_the_table_labels_units_and_timezone_and_shows_times_there():
    assert cells(header(COLUMNS["abandoned"], "en", "Asia/Shanghai")) == [
        "Call",
        "Offered (Asia/Shanghai)",
        "Ended (Asia/Shanghai)",
        "Wait (mm:ss)",
        "Exit reason",
        "Vendor",
    ]
    assert cells(header(COLUMNS["waiting"], "zh", "Europe/Berlin")) == [
        "通话", "进线时间（Europe/Berlin）", "已等待（分:秒）", "外包商",
    ]  # fmt: skip
    [row] = rows([call(3, wait_s=6958.0)], COLUMNS["abandoned"], "en", "Europe/Berlin")
    assert cells(row) == ["c3", "03:03:05", "03:03:50", "1:55:58", "abandoned", "vendor-a"]
    answered = call(4, outcome="answered", agent="ag-1", csat=4.5, transferred=True, resolved=True)
    [row] = rows([answered], COLUMNS["calls"], "zh", "Asia/Shanghai", with_date=True)
    assert cells(row) == [
        "c4", "acme-cards", "2026-11-29 10:04:05", "接通", "00:45", "", "ag-1", "vendor-a",
        "是", "是", "4.5",
    ]  # fmt: skip
    assert (count_text(1, "calls", "en"), count_text(5, "tickets", "zh")) == ("1 call", "5 张工单")


class Listed:
    """Pages of calls as `data.calls_behind` answers, and the reads asked of it."""

    def __init__(self, calls: list[dict], zone: str = "Asia/Shanghai") -> None:
        self.calls, self.zone, self.reads = calls, zone, []

    def __call__(self, queue: str, kind: str, limit: int, cursor: str | None) -> dict:
        self.reads.append((queue, kind, limit, cursor))
        at = int(cursor or 0)
        page = self.calls[at : at + limit]
        more = at + limit < len(self.calls)
        return {
            "source": "calls",
            "rows": page,
            "next_cursor": str(at + limit) if more else None,
            "count": None if cursor else len(self.calls),
            "timezone": self.zone,
            "as_of": "2026-11-29T20:00:03+08:00",
        }


def outputs(result: list) -> dict:
    return {
        f"{element}.{prop}": value for (element, prop), value in zip(PANEL, result, strict=True)
    }


def test_the_wall_panel_lists_the_calls_counts_them_and_pages_on():
    read = Listed([call(n) for n in range(150)])
    wall = WallSettings(calls="acme-cards:abandoned")
    first = outputs(calls_panel(wall, "settings", None, read))
    assert first["calls-panel.hidden"] is False
    assert first["calls-title.children"] == "Abandoned today · acme-cards"
    assert first["calls-count.children"] == "150 calls"
    assert first["calls-as-of.children"] == "as of 20:00:03 Asia/Shanghai"
    assert len(first["calls-rows.children"]) == 100 and read.reads == [
        ("acme-cards", "abandoned", 100, None)
    ]
    assert first["calls-note.children"] == "showing 100 of 150"
    assert (first["calls-more.children"], first["calls-more.hidden"]) == ("Show 50 more", False)
    assert first["calls-tick.disabled"] is False
    page = first["calls-page.data"]
    more = outputs(calls_panel(wall, "calls-more", page, read))
    assert read.reads[-1] == ("acme-cards", "abandoned", 100, "100")
    assert isinstance(more["calls-rows.children"], Patch)
    assert more["calls-count.children"] is no_update  # the count stays the figure's
    assert (more["calls-note.children"], more["calls-more.hidden"]) == ("", True)
    # a refresh reads as many rows as are shown
    outputs(calls_panel(wall, "calls-tick", more["calls-page.data"], read))
    assert read.reads[-1] == ("acme-cards", "abandoned", 150, None)
    # another list starts again from its first rows
    other = WallSettings(calls="acme-cards:waiting")
    outputs(calls_panel(other, "settings", more["calls-page.data"], read))
    assert read.reads[-1] == ("acme-cards", "waiting", 100, None)


def test_on_a_tv_the_panel_shows_its_first_rows_and_counts_the_rest_in_chinese():
    read = Listed([call(n) for n in range(20)], zone="Asia/Shanghai")
    wall = WallSettings(tv=True, lang="zh", calls="acme-cards:sl_missed", tz="Europe/Berlin")
    tv = outputs(calls_panel(wall, "settings", None, read))
    assert read.reads == [("acme-cards", "sl_missed", TV_ROWS, None)]
    assert tv["calls-title.children"] == "今日未达服务水平 · acme-cards"
    assert tv["calls-count.children"] == "20 通"
    assert tv["calls-as-of.children"] == "数据截至 13:00:03 Europe/Berlin"
    assert tv["calls-note.children"] == "还有 8 通未显示：退出电视模式查看全部"
    assert tv["calls-more.hidden"] is True and tv["calls-close.children"] == "关闭 ✕"
    assert cells(tv["calls-head.children"])[1] == "进线时间（Europe/Berlin）"


def test_a_closed_or_forbidden_list_reads_nothing_or_says_so():
    read = Listed([])
    closed = outputs(calls_panel(WallSettings(), "settings", None, read))
    assert closed["calls-panel.hidden"] is True and closed["calls-tick.disabled"] is True
    assert read.reads == []
    empty = outputs(calls_panel(WallSettings(calls="q:waiting"), "settings", None, read))
    assert (empty["calls-count.children"], empty["calls-note.children"]) == ("0 calls", "None.")

    def refused(*_):
        from app.core.errors import NotFound

        raise NotFound("unknown queue 'q'")

    hidden = outputs(calls_panel(WallSettings(calls="q:waiting"), "settings", None, refused))
    assert hidden["calls-note.children"] == "Not a queue you may see."
    assert hidden["calls-rows.children"] == [] and hidden["calls-tick.disabled"] is True


def test_the_sla_panel_opens_a_targets_misses_pages_on_and_closes_on_a_new_report():
    asked = []

    def read(target, limit, cursor):
        asked.append((target, limit, cursor))
        return {
            "source": "calls",
            "rows": [call(n, outcome="answered", wait_s=40.0) for n in range(2)],
            "next_cursor": None,
            "count": None if cursor else 2,
            "timezone": "Asia/Shanghai",
            "period": {"start": "2026-11-01T00:00:00+08:00", "end": "2026-12-01T00:00:00+08:00"},
            "target": {"min": None, "max": 20.0},
            "unit": "s",
            "exact": False,
        }

    shown = {"client": "acme", "period": "2026-11", "contract": "acme-2026"}
    got = missed_view({"type": "missed", "kpi": "asa_s"}, 1, shown, None, "en", read)
    assert asked == [(shown | {"kpi": "asa_s"}, 100, None)]
    assert got[0] is False
    assert got[1] == "ASA: what missed it, 2026-11-01 – 2026-11-30 (Asia/Shanghai)"
    assert got[2] == "2 calls"
    assert got[3].startswith("ASA is an average: listed are the calls past its target (≤ 20.0 s)")
    assert [cells(r)[0] for r in got[5]] == ["c0", "c1"]
    page = got[9]
    assert page | {} == shown | {"kpi": "asa_s", "cursor": None, "shown": 2, "count": 2,
                                 "source": "calls", "timezone": "Asia/Shanghai"}  # fmt: skip
    again = missed_view("lang", None, shown, page, "zh", read)
    assert asked[-1] == (shown | {"kpi": "asa_s"}, 100, None) and again[2] == "2 通"
    assert missed_view({"type": "missed", "kpi": "asa_s"}, None, shown, page, "en", read) == CLOSED
    assert missed_view("missed-close", 1, shown, page, "en", read) == CLOSED
