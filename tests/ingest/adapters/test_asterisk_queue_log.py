"""The asterisk-queue-log adapter: every event in both layouts, bad lines, real PBXware logs.

Samples follow the Asterisk "Queue Logs" reference (docs.asterisk.org) and Wazo's queue_log
samples (wazo.readthedocs.io, api_sdk/queue_log): `time|callid|queue|agent|event|data…`.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.adapters import adapter
from ingest.adapters.asterisk_queue_log import ADAPTER
from ingest.adapters.base import FeedConfig, Item

FEED = FeedConfig(
    "floor1-asterisk",
    "asterisk-queue-log",
    {"IT": "acme-it", "5001": "acme-cards"},
    ZoneInfo("Asia/Shanghai"),
)
T0 = datetime(2025, 11, 22, 1, 30, tzinfo=UTC)
E = int(T0.timestamp())
CALL = "1763774990.3035"
CID = f"{CALL}@IT"
IT = {"call_id": CID, "queue": "acme-it"}
TABLE_HEADER = "time,callid,queuename,agent,event,data1,data2,data3,data4,data5"


def offered(**more: Any) -> tuple[str, dict[str, Any]]:
    return "call-events", IT | {"event": "offered", "at": T0} | more


def ended(event: str, exit_reason: str, **more: Any) -> tuple[str, dict[str, Any]]:
    return "call-events", IT | {"event": event, "at": T0, "exit_reason": exit_reason} | more


def blocked(exit_reason: str) -> tuple[str, dict[str, Any]]:
    return "calls", IT | {"offered_at": T0, "ended_at": T0, "exit_reason": exit_reason}


def state(state: str, at: datetime = T0, agent: str = "8007", **more: Any) -> tuple[str, Any]:
    return "agent-events", {"agent": agent, "state": state, "at": at} | more


IN_IT = {"queues": ["acme-it"]}
COMPLETED = {  # holdtime 12 s, calltime 95 s: talk, and the answer and offer they date
    "talk_s": 95.0,
    "estimated_answered_at": T0 - timedelta(seconds=95),
    "estimated_offered_at": T0 - timedelta(seconds=107),
}

# (stock line, the items it makes); the table layout of each line must make the same.
SAMPLES: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = [
    (f"{E}|{CALL}|IT|NONE|ENTERQUEUE||13800138000|1", [offered()]),
    (
        f"{E}|{CALL}|IT|SIP/8007|CONNECT|12|1763775000.3040|3",
        [ended("answered", "answered", agent="8007"), state("talking", **IN_IT)],
    ),
    (
        f"{E}|{CALL}|IT|SIP/8007|COMPLETEAGENT|12|95|1",
        [ended("ended", "answered", agent="8007", **COMPLETED), state("available", **IN_IT)],
    ),
    (
        f"{E}|{CALL}|IT|Local/8007@from-queue/n|COMPLETECALLER|12|95|1",
        [ended("ended", "answered", agent="8007", **COMPLETED), state("available", **IN_IT)],
    ),
    (  # PBXware keeps the caller's number where Asterisk keeps holdtime and calltime
        f"{E}|{CALL}|IT|Agent/8007|COMPLETECALLER|X224afa5d65",
        [ended("ended", "answered", agent="8007"), state("available", **IN_IT)],
    ),
    *[
        (
            f"{E}|{CALL}|IT|PJSIP/8007|{event}|{data}",
            [
                ended("ended", "answered", agent="8007", transferred=True, **COMPLETED),
                state("available", **IN_IT),
            ],
        )
        for event, data in (
            ("TRANSFER", "2001|from-internal|12|95|1"),
            ("BLINDTRANSFER", "2001|from-internal|12|95|1"),
            ("ATTENDEDTRANSFER", "BRIDGE|1763775100.3050|12|95|1"),
            ("ATTENDEDTRANSFER", "LINK|SIP/8007-0000001|SIP/2001-0000002|12|95|1"),
        )
    ],
    (f"{E}|{CALL}|IT|NONE|ABANDON|1|2|45", [ended("abandoned", "abandoned")]),
    (f"{E}|{CALL}|IT|NONE|EXITWITHTIMEOUT|1|1|300", [ended("ended", "timeout")]),
    (f"{E}|{CALL}|IT|NONE|EXITWITHKEY|5|1|1|30", [ended("ended", "exit_key")]),
    (f"{E}|{CALL}|IT|NONE|EXITEMPTY|1|1|20", [ended("ended", "exit_empty")]),
    (f"{E}|{CALL}|IT|NONE|LEAVEEMPTY", [ended("ended", "leave_empty")]),
    (f"{E}|{CALL}|IT|NONE|FULL", [blocked("full")]),
    (f"{E}|{CALL}|IT|NONE|JOINEMPTY", [blocked("join_empty")]),
    (f"{E}|{CALL}|IT|NONE|CLOSED", [blocked("closed")]),
    (f"{E}|{CALL}|IT|NONE|DIVERT_CA_RATIO", [blocked("diverted")]),
    (f"{E}|{CALL}|IT|NONE|DIVERT_HOLDTIME", [blocked("diverted")]),
    (f"{E}|{CALL}|IT|SIP/8007|RINGNOANSWER|15000", []),
    (f"{E}|{CALL}|IT|SIP/8007|RINGCANCELED|1200", []),
    (f"{E}|NONE|NONE|NONE|QUEUESTART", []),
    (f"{E}|NONE|NONE|NONE|CONFIGRELOAD", []),
    (f"{E}|{CALL}|NONE|Agent/8007|OUTDIAL|13800138000", []),
    (f"{E}|MANAGER|IT|SIP/8007|ADDMEMBER|", [state("available", **IN_IT)]),
    (f"{E}|MANAGER|IT|SIP/8007|REMOVEMEMBER|", [state("logged_out", **IN_IT)]),
    (f"{E}|NONE|IT|SIP/8007|PAUSE|Lunch", [state("not_ready", reason="Lunch", **IN_IT)]),
    (f"{E}|NONE|IT|SIP/8007|UNPAUSE|", [state("available", unpause=True, **IN_IT)]),
    (f"{E}|NONE|NONE|Agent/8007|PAUSEALL|Break", [state("not_ready", reason="Break")]),
    (f"{E}|NONE|NONE|Agent/8007|PAUSEALL", [state("not_ready")]),
    (f"{E}|NONE|NONE|Agent/8007|UNPAUSEALL", [state("available", unpause=True)]),
    (f"{E}|1763771400.10|NONE|Agent/8007|AGENTLOGIN|SIP/8007-00000012", [state("available")]),
    (
        f"{E}|1763771400.10|NONE|Agent/8007|AGENTLOGOFF|SIP/8007-00000012|3600",
        [state("available", T0 - timedelta(hours=1)), state("logged_out")],
    ),
    (f"{E}|1763771400.11|NONE|Agent/8007|AGENTCALLBACKLOGIN|8007@default", [state("available")]),
    (
        f"{E}|1763771400.11|NONE|Agent/8007|AGENTCALLBACKLOGOFF|8007@default|120|Autologoff",
        [state("available", T0 - timedelta(seconds=120)), state("logged_out")],
    ),
    (
        f"{E}|NONE|NONE|Agent/8007|WRAPUPSTART|15",
        [state("acw"), state("available", T0 + timedelta(seconds=15))],
    ),
    (f"{E}|MANAGER|IT|NONE|ADDMEMBER", []),  # Wazo logs members it cannot name
]


def parse(text: str, feed: FeedConfig = FEED) -> list[Item]:
    return ADAPTER.parse(text.encode(), None, feed)


def made(items: list[Item]) -> list[tuple[str, dict[str, Any] | None]]:
    assert all(not item.errors for item in items), [item.errors for item in items]
    return [(item.kind, item.value) for item in items]


def as_table(stock_line: str) -> str:
    """Return a stock line as a row of Asterisk's realtime table, exported as CSV."""
    time, callid, queue, agent, event, *data = stock_line.split("|")
    data = [*(data + [""] * 5)[:4], "|".join(data[4:])]  # data5 keeps the rest, `|`-joined
    local = datetime.fromtimestamp(int(time), FEED.timezone).isoformat(" ")
    return ",".join([local, callid, queue, agent, event, *data])


def test_the_registry_names_the_adapter() -> None:
    assert adapter("asterisk-queue-log") is ADAPTER
    assert ADAPTER.media_types[0] == "text/plain" and ADAPTER.status_code == 200


@pytest.mark.parametrize(("line", "expected"), SAMPLES, ids=[s[0].split("|")[4] for s in SAMPLES])
def test_each_event_in_the_stock_file(line: str, expected: list[Any]) -> None:
    items = parse(line)
    assert made(items) == expected
    assert {(item.index, item.source) for item in items} <= {(1, line)}


@pytest.mark.parametrize(("line", "expected"), SAMPLES, ids=[s[0].split("|")[4] for s in SAMPLES])
def test_each_event_in_the_table_layout(line: str, expected: list[Any]) -> None:
    row = as_table(line)
    items = parse(f"{TABLE_HEADER}\n{row}\n")
    assert made(items) == expected
    assert {(item.index, item.source) for item in items} <= {(2, row)}


def test_a_whole_call_and_its_agent_line_by_line() -> None:
    log = "\n".join(
        [
            f"{E}|{CALL}|5001|NONE|ENTERQUEUE||13800138000|1",
            "",
            f"{E + 12}|{CALL}|5001|Agent/1001|CONNECT|12|1763775012.3040|3",
            f"{E + 107}|{CALL}|5001|Agent/1001|COMPLETECALLER|12|95|1",
        ]
    )
    call = {"call_id": f"{CALL}@5001", "queue": "acme-cards"}
    agent = {"agent": "1001", "queues": ["acme-cards"]}
    at = [T0, T0 + timedelta(seconds=12), T0 + timedelta(seconds=107)]
    assert [(item.index, item.kind, item.value) for item in parse(log)] == [
        (1, "call-events", call | {"event": "offered", "at": at[0]}),
        (3, "call-events", call | {"event": "answered", "at": at[1]} | _by("1001", "answered")),
        (3, "agent-events", agent | {"state": "talking", "at": at[1]}),
        (
            4,
            "call-events",
            call
            | {"event": "ended", "at": at[2]}
            | _by("1001", "answered")
            # the estimates the completing line implies agree with the logged times
            | {"talk_s": 95.0, "estimated_answered_at": at[1], "estimated_offered_at": at[0]},
        ),
        (4, "agent-events", agent | {"state": "available", "at": at[2]}),
    ]


def _by(agent: str, exit_reason: str) -> dict[str, str]:
    return {"agent": agent, "exit_reason": exit_reason}


def test_a_call_is_keyed_by_callid_and_queue() -> None:
    log = f"{E}|{CALL}|IT|NONE|ENTERQUEUE||1|1\n{E + 60}|{CALL}|5001|NONE|ENTERQUEUE||1|1"
    assert [item.value["call_id"] for item in parse(log) if item.value] == [CID, f"{CALL}@5001"]


@pytest.mark.parametrize(
    "time",
    [
        str(E),
        f"{E}.000000",
        "2025-11-22 09:30:00",  # naive: read in the feed's Asia/Shanghai
        "2025-11-22 01:30:00.000000+00",  # PostgreSQL timestamptz
        "2025-11-22 09:30:00+0800",
        "2025-11-22T09:30:00+08:00",
    ],
)
def test_times_epoch_naive_local_or_with_an_offset(time: str) -> None:
    assert made(parse(f"{time}|{CALL}|IT|NONE|ENTERQUEUE")) == [offered()]


def test_sub_second_times_are_kept() -> None:
    items = parse(f"2025-11-22 09:30:00.250000|{CALL}|IT|NONE|ENTERQUEUE")
    items += parse(f"{E}.25|{CALL}|IT|NONE|ENTERQUEUE")
    assert [item.value["at"] for item in items if item.value] == [T0 + timedelta(seconds=0.25)] * 2


def test_pbxware_table_export() -> None:
    log = (
        "uid,date_time,callid,queue_name,type,event,param1,param2,param3,entpos,expos,htime,"
        "ttime,time\n"
        f"13,{E},{CALL},IT,NONE,ENTERQUEUE,X224afa5d65,,,1,0,0,0,2025-11-22 09:30:00\n"
        f"5,{E},{CALL},IT,Local/8007@callback-agent,ADDMEMBER,,,,0,0,0,0,2025-11-22 09:30:00\n"
        f"9,{E},{CALL},NONE,Agent/8007,OUTANSWER,3318,COMPLETEAGENT,,0,0,2,398,"
        "2025-11-22 09:30:00\n"
    )
    assert made(parse(log)) == [offered(), state("available", **IN_IT)]


def test_table_with_one_data_column() -> None:
    log = f"id,time,callid,queuename,agent,event,data\n7,{E},{CALL},IT,NONE,ABANDON,1|2|45\n"
    assert made(parse(log)) == [ended("abandoned", "abandoned")]


def test_semicolon_table_and_byte_order_mark() -> None:
    log = f"\ufefftime;callid;queuename;agent;event;data1\n{E};{CALL};IT;NONE;ENTERQUEUE;\n"
    assert made(parse(log)) == [offered()]


NO_ZONE = FeedConfig("edge", "asterisk-queue-log", {"IT": "acme-it"})


@pytest.mark.parametrize(
    ("line", "feed", "error"),
    [
        ("garbage", FEED, "line: 1 field(s); a queue_log line has at least 5"),
        (f"soon|{CALL}|IT|NONE|ENTERQUEUE", FEED, "time: 'soon' is neither epoch seconds"),
        (
            f"99999999999999|{CALL}|IT|NONE|ENTERQUEUE",
            FEED,
            "time: '99999999999999' is out of range",
        ),
        (f"{E}|{CALL}|SALES|NONE|ENTERQUEUE", FEED, "queue: source queue 'SALES' is not mapped"),
        (f"{E}|NONE|SALES|SIP/8007|PAUSE|Lunch", FEED, "queue: source queue 'SALES'"),
        (f"{E}|{CALL}|IT|NONE|HOLD", FEED, "event: 'HOLD' is not a queue_log event"),
        (f"{E}|{CALL}|NONE|NONE|ENTERQUEUE", FEED, "queue: ENTERQUEUE names no queue"),
        (f"{E}|NONE|IT|NONE|ABANDON|1|1|4", FEED, "callid: ABANDON names no call"),
        (f"{E}|NONE|NONE|Agent/1|WRAPUPSTART|soon", FEED, "data1: 'soon' is not a number"),
        (f"{E}|NONE|NONE|Agent/1|AGENTLOGOFF|SIP/1|-5", FEED, "data2: '-5' is not a number"),
        ("2025-11-22 09:30:00|1|IT|NONE|ENTERQUEUE", NO_ZONE, "time: 2025-11-22T09:30:00 has no"),
    ],
)
def test_a_bad_line_is_a_named_rejection(line: str, feed: FeedConfig, error: str) -> None:
    log = f"{E}|{CALL}|IT|NONE|ENTERQUEUE\n{line}\n"
    first, *rest = parse(log, feed)
    assert first.value == offered()[1] and len(rest) == 1
    assert (rest[0].index, rest[0].source, rest[0].value) == (2, line, None)
    assert len(rest[0].errors) == 1 and rest[0].errors[0].startswith(error), rest[0].errors


def test_bad_table_rows_and_headers_name_the_problem() -> None:
    short = parse(f"{TABLE_HEADER}\n{E},{CALL},IT,NONE\n")
    assert [(i.index, i.errors) for i in short] == [(2, ("line: 4 cell(s); the header names 10",))]
    headless = parse(f"time,queuename,agent,event\n{E},IT,NONE,ENTERQUEUE\n")
    assert [(i.index, i.errors) for i in headless] == [
        (2, ("header: no column callid in the table's header",))
    ]


def test_a_line_not_in_utf8_is_rejected_and_the_rest_goes_in() -> None:
    body = f"{E}|{CALL}|IT|NONE|ENTERQUEUE||\xff\xfe\n".encode("latin-1")
    items = ADAPTER.parse(body + f"{E}|{CALL}|IT|NONE|ENTERQUEUE".encode(), None, FEED)
    assert [(i.index, i.errors, i.value) for i in items] == [
        (1, ("line: not UTF-8 text",), None),
        (2, (), offered()[1]),
    ]


def _multiset(items: list[Item]) -> Counter[tuple[str, str, str, tuple[str, ...]]]:
    return Counter((i.kind, i.source, repr(i.value), i.errors) for i in items)


@settings(max_examples=60, deadline=None)
@given(st.permutations([line for line, _ in SAMPLES] + ["garbage", f"{E}|1|IT|NONE|HOLD"]))
def test_any_line_order_gives_the_same_items(lines: list[str]) -> None:
    in_order = [line for line, _ in SAMPLES] + ["garbage", f"{E}|1|IT|NONE|HOLD"]
    assert _multiset(parse("\n".join(lines))) == _multiset(parse("\n".join(in_order)))
