"""csv: a vendor's own export through the feed's column mapping → CallPulse items."""

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from app.core.errors import AppError
from ingest.adapters import adapter
from ingest.adapters.base import FeedConfig
from ingest.adapters.csv_export import CsvOptions

SAMPLES = Path(__file__).parent / "samples"
ADAPTER = adapter("csv")
SHANGHAI = ZoneInfo("Asia/Shanghai")
ALIYUN = CsvOptions(
    delimiter=",",
    encoding="gb18030",
    columns={
        "call_id": "通话ID",
        "queue": "技能组",
        "offered_at": "开始时间",
        "answered_at": "接通时间",
        "ended_at": "挂断时间",
        "agent": "坐席工号",
        "talk_s": "通话时长(秒)",
        "hold_s": "保持时长(秒)",
        "csat": "满意度",
    },
    time_format="%Y-%m-%d %H:%M:%S",
    csat_scale=5,
)
QUEUES = {"skg-cards@acme": "acme-cards", "skg-it@acme": "acme-it"}


def local(hour: int, minute: int, second: int) -> datetime:
    return datetime(2026, 11, 20, hour, minute, second, tzinfo=SHANGHAI)


def feed(options: CsvOptions, timezone=SHANGHAI, queues=None) -> FeedConfig:
    return FeedConfig("aliyun-export", "csv", queues or QUEUES, timezone, options)


def options(**overrides) -> CsvOptions:
    columns = {"call_id": "id", "queue": "q", "offered_at": "start"}
    return CsvOptions(**{"columns": columns} | overrides)


def parse(text: str | bytes, opts: CsvOptions, content_type="text/csv", **feed_args):
    body = text.encode() if isinstance(text, str) else text
    return ADAPTER.parse(body, content_type, feed(opts, **feed_args))


def test_the_aliyun_sample_in_gb18030():
    items = parse((SAMPLES / "aliyun_ccc_export.gb18030.csv").read_bytes(), ALIYUN)
    assert [(i.kind, i.index, i.value) for i in items[:3]] == [
        (
            "calls",
            2,
            {
                "call_id": "job-0f8e2a71c4d3",
                "queue": "acme-cards",
                "offered_at": local(9, 0, 0),
                "answered_at": local(9, 0, 12),
                "ended_at": local(9, 4, 30),
                "agent": "8001",
                "talk_s": 258.0,
                "hold_s": 20.0,
                "csat": 5.0,
                "csat_scale": 5,
            },
        ),
        (
            "calls",
            3,
            {
                "call_id": "job-1a9f3b82d5e4",
                "queue": "acme-cards",
                "offered_at": local(9, 1, 5),
                "ended_at": local(9, 1, 47),
                "talk_s": 0.0,
                "hold_s": 0.0,
            },
        ),
        (
            "calls",
            4,
            {
                "call_id": "job-2b0a4c93e6f5",
                "queue": "acme-it",
                "offered_at": local(9, 2, 10),
                "answered_at": local(9, 2, 15),
                "ended_at": local(9, 10, 0),
                "agent": "8002",
                "talk_s": 465.0,
                "hold_s": 0.0,
                "csat": 4.0,
                "csat_scale": 5,
            },
        ),
    ]
    assert (items[3].index, items[3].value) == (5, None)
    assert items[3].errors == (
        "queue: source queue 'skg-vip@acme' is not mapped in feed 'aliyun-export'; add it under"
        " `queues:` of the feed in the YAML (column '技能组')",
    )


def test_every_calls_field_maps():
    columns = {
        "call_id": "A",
        "queue": "B",
        "offered_at": "C",
        "answered_at": "D",
        "ended_at": "E",
        "agent": "F",
        "talk_s": "G",
        "hold_s": "H",
        "acw_s": "I",
        "transferred": "J",
        "resolved": "K",
        "csat": "L",
        "disposition": "M",
        "exit_reason": "N",
        "direction": "O",
    }
    text = (
        "A;B;C;D;E;F;G;H;I;J;K;L;M;N;O\n"
        "c1;skg-it@acme;1795136400;1795136405;1795136500;8001;0:01:30;5.5;12;是;no;7;"
        "sale;answered;inbound\n"
    )
    [item] = parse(
        text, options(columns=columns, delimiter=";", time_format="epoch", csat_scale=10)
    )
    start = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    assert item.value == {
        "call_id": "c1",
        "queue": "acme-it",
        "offered_at": start,
        "answered_at": start + timedelta(seconds=5),
        "ended_at": start + timedelta(seconds=100),
        "agent": "8001",
        "talk_s": 90.0,
        "hold_s": 5.5,
        "acw_s": 12.0,
        "transferred": True,
        "resolved": False,
        "csat": 70.0,
        "disposition": "sale",
        "exit_reason": "answered",
        "direction": "inbound",
    }


def test_tickets_and_epoch_milliseconds():
    opts = CsvOptions(
        kind="tickets",
        time_format="epoch_ms",
        columns={
            "ticket_id": "id",
            "queue": "q",
            "channel": "ch",
            "created_at": "at",
            "priority": "p",
        },
    )
    [item] = parse(
        "id\tq\tch\tat\tp\nT1\tskg-it@acme\temail\t1795136400250\tP2\n",
        opts.model_copy(update={"delimiter": "\t"}),
    )
    assert (item.kind, item.value) == (
        "tickets",
        {
            "ticket_id": "T1",
            "queue": "acme-it",
            "channel": "email",
            "created_at": datetime(2026, 11, 20, 1, 0, 0, 250_000, tzinfo=UTC),
            "priority": "P2",
        },
    )


def test_csat_scales():
    text = "id,q,start,score\nc1,skg-it@acme,2026-11-20T09:00:00+08:00,{}\n"

    def csat(scale: int, score: str):
        opts = options(
            columns={"call_id": "id", "queue": "q", "offered_at": "start", "csat": "score"},
            csat_scale=scale,
        )
        [item] = parse(text.format(score), opts)
        return item.value and {
            k: v for k, v in item.value.items() if k.startswith("csat")
        }, item.errors

    assert csat(100, "87") == ({"csat": 87.0}, ())
    assert csat(5, "4") == ({"csat": 4.0, "csat_scale": 5}, ())
    assert csat(10, "10") == ({"csat": 100.0}, ())
    assert csat(10, "11") == (
        None,
        ("csat: 11 is outside the 0–10 scale of csat_scale 10 (column 'score')",),
    )


def test_bad_cells_are_named_rejections_with_their_line():
    text = (
        "id,q,start,answered,talk\n"
        "c1,skg-it@acme,2026/11/20 09:00,,\n"
        ",skg-it@acme,2026-11-20 09:00:00,,abc\n"
        "c3,skg-it@acme,2026-11-20 09:00:00\n"
    )
    opts = options(
        columns={
            "call_id": "id",
            "queue": "q",
            "offered_at": "start",
            "answered_at": "answered",
            "talk_s": "talk",
        },
        time_format="%Y-%m-%d %H:%M:%S",
    )
    items = parse(text, opts)
    assert [(i.index, i.value, i.errors) for i in items] == [
        (
            2,
            None,
            (
                "offered_at: '2026/11/20 09:00' does not match time_format '%Y-%m-%d %H:%M:%S'"
                " (column 'start')",
            ),
        ),
        (
            3,
            None,
            (
                "call_id: required, but the cell is empty (column 'id')",
                "talk_s: 'abc' is not a duration (seconds, or H:MM:SS) (column 'talk')",
            ),
        ),
        (4, None, ("record: row has 3 values but the header names 5",)),
    ]


def test_a_naive_time_needs_the_feed_timezone():
    [item] = parse("id,q,start\nc1,skg-it@acme,2026-11-20 09:00:00\n", options(), timezone=None)
    assert item.errors[0].startswith(
        "offered_at: 2026-11-20T09:00:00 has no UTC offset and feed 'aliyun-export' has no"
        " `timezone:`"
    )


def test_a_missing_mapped_column_is_a_400_naming_it():
    with pytest.raises(
        AppError, match=r"CSV header has no column 'start' \(mapped to offered_at\)"
    ):
        parse("id,q,begin\nc1,skg-it@acme,2026-11-20T09:00:00Z\n", options())


def test_bodies_in_another_encoding_or_delimiter_are_refused():
    with pytest.raises(AppError, match="reads as GB18030"):
        parse("id,q,start\nc1,技能组,2026-11-20T09:00:00Z\n".encode("gb18030"), options())
    with pytest.raises(
        AppError, match="semicolon-delimited: values are read as separated by '\\|'"
    ):
        parse("id;q;start\n", options(delimiter="|"))


def test_a_utf8_bom_and_a_declared_charset():
    [item] = parse("\ufeffid,q,start\nc1,skg-it@acme,2026-11-20T09:00:00Z\n", options())
    assert item.value["call_id"] == "c1"
    gbk = "id,q,start\n张三,skg-it@acme,2026-11-20T09:00:00Z\n".encode("gbk")
    [item] = parse(gbk, options(), content_type="text/csv; charset=gbk")
    assert item.value["call_id"] == "张三"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        (
            {"columns": {"call_id": "id", "queue": "q"}},
            "columns\n  Value error, offered_at: required for calls",
        ),
        (
            {"columns": {"call_id": "id", "queue": "q", "offered_at": "s", "mood": "m"}},
            "mood: not a field of calls",
        ),
        ({"delimiter": ";;"}, "use one character"),
        ({"time_format": "yyyy-mm-dd"}, "use iso, epoch, epoch_ms or a strftime format"),
        ({"csat_scale": 7}, "csat_scale"),
        ({"encoding": "latin-1"}, "encoding"),
        ({"colums": {}}, "colums"),
    ],
)
def test_options_name_the_field(overrides, error):
    with pytest.raises(ValidationError, match=error):
        CsvOptions(**{"columns": {"call_id": "id", "queue": "q", "offered_at": "s"}} | overrides)


def test_a_tab_is_named():
    assert options(delimiter="tab").delimiter == "\t"


cell = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(
    lambda text: text.strip() == text
)


@given(
    rows=st.lists(
        st.tuples(
            cell, st.sampled_from(sorted(QUEUES)), st.integers(0, 10**9), st.one_of(st.none(), cell)
        ),
        max_size=15,
    ),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_any_rows_round_trip_in_any_delimiter_and_encoding(rows, delimiter, encoding, line_end):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(["编号", "技能组", "开始", "坐席"])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for call_id, queue, second, agent in rows:
        writer.writerow(
            [call_id, queue, (start + timedelta(seconds=second)).isoformat(), agent or ""]
        )
    opts = CsvOptions(
        delimiter=delimiter,
        encoding=encoding,
        columns={"call_id": "编号", "queue": "技能组", "offered_at": "开始", "agent": "坐席"},
    )
    items = parse(out.getvalue().encode(encoding), opts)
    expected = [
        {
            "call_id": call_id,
            "queue": QUEUES[queue],
            "offered_at": start + timedelta(seconds=second),
        }
        | ({"agent": agent} if agent else {})
        for call_id, queue, second, agent in rows
    ]
    assert [i.value for i in items] == expected
    assert [i.index for i in items] == list(range(2, len(rows) + 2))
