"""A peer's test suite, passed: Wazo/XiVO's own statistics cases through CallPulse.

Every self-contained case of ../shared/data/wazo_statcenter/cases.json (see
../shared/data/README.md) is replayed into a tenant of its own: its queue_log lines go to
`POST /v1/feeds/{name}` (format `asterisk-queue-log`) with the vendor's key, the aggregation
runs, and every cell the case asserts is computed from CallPulse's stats components
(`tests.ingest.adapters.wazo_report`) and compared as Wazo displays it.

The cases are from 2012–2015, older than a feed's `max_age_days` may reach (3,660 days), so
the replay's server accepts records up to 20 years old. Wazo runs an agent's open session or
pause to the end of the report; CallPulse stops counting an agent whose events stop after
`agent_stale_after_s`, a deployment setting, set here to 4 days as for a site whose agents log
nothing between login and logoff.
"""

import json
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.access.keys import create_key
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.config import Settings
from app.core.db import Database, driver_connection
from app.kpi.aggregation import drain
from app.kpi.queries import Buckets, StatsScope, sum_components
from app.kpi.sources import AGENTS, CALLS
from app.main import create_app
from tests.conftest import SHARED_DATA
from tests.ingest.adapters import wazo_report as wazo

CASES = SHARED_DATA / "wazo_statcenter" / "cases.json"
OLDEST_CASE_DAYS = 20 * 366
STALE_AFTER_S = 4 * 86_400
HOUR = timedelta(hours=1)

NOT_SHARED = {
    "wazo-acceptance/statcenter_queue/Generate stats for received/answered calls": (
        "the fixture logs received_2, _4 and _5's CONNECT and COMPLETE up to an hour before"
        " their ENTERQUEUE; Wazo reads the wait from the lines' data and never compares"
        " times, CallPulse takes the wait from the line times and refuses an answer logged"
        " before its offer, whatever order the lines arrive in"
    ),
    "xivo-dao/test_stat_dao_extended/leaveempty_reenter_same_queue": (
        "the same callid enters queue1 twice; CallPulse keys a call by (callid, queue)"
        " (issue 11), so both visits are one call, and no line of the second visit says it"
        " is the second, so the adapter (one line at a time, any order) cannot key it apart"
    ),
    "xivo-dao/test_queue_log_dao/wrapup_times": (
        "Agent/1's wrap-ups overlap (05:59:50 + 30 s and 06:00:10 + 15 s); Wazo adds the"
        " intervals (an agent in two wrap-ups at once), CallPulse's agent has one state at a"
        " time, so the overlap counts once"
    ),
}
"""Cases whose semantics CallPulse deliberately does not share (at most three), and why.
Each runs as a strict xfail: the day one passes, it must leave this list."""


def _cases() -> list[Any]:
    if not CASES.exists():
        return [pytest.param(None, id="cases-absent")]
    params = []
    for case in json.loads(CASES.read_text()):
        if not case["self_contained"]:
            continue
        marks = []
        reason = NOT_SHARED.get(case["id"])
        if reason:
            marks.append(pytest.mark.xfail(reason=reason, strict=True))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


@dataclass
class Replay:
    """A case replayed: its tenant's ids and the hourly (or 15-minute) components."""

    client_id: int
    queue_ids: dict[str, int]
    agent_ids: dict[str, int]
    calls_by_queue: dict[tuple[datetime, int], dict[str, float]] = field(default_factory=dict)
    calls_by_agent: dict[tuple[datetime, int], dict[str, float]] = field(default_factory=dict)
    states_by_agent: dict[tuple[datetime, int], dict[str, float]] = field(default_factory=dict)
    calls_by_quarter: dict[tuple[datetime, int], dict[str, float]] = field(default_factory=dict)

    def sum(
        self, table: dict[tuple[datetime, int], dict[str, float]], hours: list[datetime], who: int
    ) -> dict[str, float]:
        """Sum one queue's or agent's components over the buckets starting at `hours`."""
        zero = dict.fromkeys(next(iter(table.values()), {}), 0.0)
        return wazo.total([zero, *(table[h, who] for h in hours if (h, who) in table)])

    def everything(self, queue: str | None = None) -> dict[str, float]:
        """Sum the calls' components of every hour, of one source queue (default: all)."""
        ids = [self.queue_ids[queue]] if queue else list(self.queue_ids.values())
        hours = sorted({h for h, _ in self.calls_by_queue})
        return wazo.total(self.sum(self.calls_by_queue, hours, q) for q in ids)


@pytest.fixture(scope="module")
def wide_settings(settings: Settings) -> Settings:
    """The test settings, accepting the cases' old records and long silent agent states."""
    return settings.model_copy(
        update={"max_record_age_days": OLDEST_CASE_DAYS, "agent_stale_after_s": STALE_AFTER_S}
    )


@pytest.fixture(scope="module")
def wide_client(wide_settings: Settings, database: Database) -> Iterator[TestClient]:
    """An HTTP client for an app with the wide settings, on the test database."""
    with TestClient(create_app(wide_settings, database)) as test_client:
        yield test_client


def _source_names(case: dict[str, Any], column: int) -> list[str]:
    names = (line.split("|")[column] for line in case["events"])
    return sorted({name for name in names if name not in ("", "NONE")})


def _replay(
    case: dict[str, Any], database: Database, client: TestClient, settings: Settings
) -> Replay:
    """Create the case's tenant and feed, POST its lines, aggregate, and read the stats."""
    s = secrets.token_hex(4)
    queues = {name: f"wz{n}-{s}" for n, name in enumerate(_source_names(case, 2))}
    served = [*queues.values(), f"wzq-{s}"]  # agents need a queue their vendor serves
    spec = TenancyFile.model_validate(
        {
            "clients": [{"code": f"wz-{s}", "name": "Wazo case", "timezone": "UTC"}],
            "vendors": [{"code": f"wzv-{s}", "name": "Wazo"}],
            "queues": [
                {
                    "code": code,
                    "client": f"wz-{s}",
                    "vendors": [f"wzv-{s}"],
                    "sl_threshold_s": 10,
                    "sl_formula": "answered_only",
                }
                for code in served
            ],
            "feeds": [
                {
                    "name": f"wazo-{s}",
                    "vendor": f"wzv-{s}",
                    "format": "asterisk-queue-log",
                    "timezone": "UTC",  # PostgreSQL's timestamps, as the cases give them
                    "queues": queues,
                }
            ],
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
        key = create_key(session, "vendor", vendor_code=f"wzv-{s}")
    response = client.post(
        f"/v1/feeds/wazo-{s}",
        content="\n".join(case["events"]).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "text/plain"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == [], response.text
    drain(database, settings, wait=True)
    with database.session_scope() as session:
        pg = driver_connection(session)
        client_id = pg.execute("SELECT id FROM clients WHERE code = %s", [f"wz-{s}"]).fetchone()[0]
        queue_ids = {
            name: pg.execute("SELECT id FROM queues WHERE code = %s", [code]).fetchone()[0]
            for name, code in queues.items()
        }
        agent_ids = dict(
            pg.execute("SELECT code, id FROM agents WHERE client_id = %s", [client_id]).fetchall()
        )
        replay = Replay(client_id, queue_ids, agent_ids)
        times = [_moment(line.split("|")[0]) for line in case["events"]]
        start = datetime.combine(min(times).date() - timedelta(days=1), time(), UTC)
        end = datetime.combine(max(times).date() + timedelta(days=3), time(), UTC)
        scope = StatsScope(client_id, list(queue_ids.values()), None)

        def read(source, names, granularity: str, split: str) -> dict:
            rows = sum_components(
                pg, source, names, Buckets(granularity, start, end, "UTC"), scope, split=split
            )
            return {(b, who): dict(zip(names, sums, strict=True)) for b, who, *sums in rows}

        replay.calls_by_queue = read(CALLS, wazo.CALL_COMPONENTS, "hour", "queue_id")
        replay.calls_by_agent = read(CALLS, wazo.CALL_COMPONENTS, "hour", "agent_id")
        replay.states_by_agent = read(AGENTS, wazo.AGENT_COMPONENTS, "hour", "agent_id")
        replay.calls_by_quarter = read(CALLS, wazo.CALL_COMPONENTS, "interval", "queue_id")
    return replay


def _moment(text: str) -> datetime:
    """A case's PostgreSQL timestamp (naive: UTC, as the cases' servers ran)."""
    value = datetime.fromisoformat(re.sub(r"([+-]\d\d)(\d\d)?$", r"\1:00", text.strip()))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


# --- the cells a case asserts: (label, expected text, how to compute it) --------------------

Cell = tuple[str, str, Callable[[Replay], str]]


def _work_hours(case: dict[str, Any], configuration: str) -> range:
    conf = next(c for c in case["config"]["statistic_configurations"] if c["name"] == configuration)
    return range(int(conf["work_hours_from"].split(":")[0]), int(conf["work_hours_to"][:2]))


def _row_hours(label: str, day: date, work_hours: range) -> list[datetime]:
    """The hours of a table row: `9h-10h`, or a weekday of the week starting on `day`."""
    if match := re.fullmatch(r"(\d+)h-\d+h", label):
        return [_at(day, int(match.group(1)))]
    weekday, number = label.split()
    found = next(
        day + timedelta(days=n)
        for n in range(7)
        if (day + timedelta(days=n)).day == int(number)
        and (day + timedelta(days=n)).strftime("%A") == weekday
    )
    return [_at(found, h) for h in work_hours]


def _table_cells(case: dict[str, Any], block: dict[str, Any]) -> list[Cell]:
    kind, name = block["object"].split(" ", 1)
    day = date.fromisoformat(block["day"])
    work_hours = _work_hours(case, block["configuration"])
    rows = {row[""]: row for row in block["table"]}
    every = [h for label in rows if label != "Total" for h in _row_hours(label, day, work_hours)]
    cells: list[Cell] = []
    for label, row in rows.items():
        hours = every if label == "Total" else _row_hours(label, day, work_hours)
        for column, expected in row.items():
            if not column:
                continue
            where = f"{block['object']} {block['day']} {label} {column}"
            cells.append((where, expected, _table_cell(kind, name, column, hours)))
    return cells


def _table_cell(kind: str, name: str, column: str, hours: list[datetime]):
    if kind == "queue":
        cell = wazo.QUEUE_CELLS[column]
        return lambda r: cell(r.sum(r.calls_by_queue, hours, r.queue_ids[name]))
    if column in wazo.AGENT_CALL_CELLS:
        cell = wazo.AGENT_CALL_CELLS[column]
        return lambda r: cell(r.sum(r.calls_by_agent, hours, r.agent_ids[name]))
    cell = wazo.AGENT_STATE_CELLS[column]
    return lambda r: cell(r.sum(r.states_by_agent, hours, r.agent_ids[name]))


def _all_queues(replay: Replay, table: dict, hours: list[datetime]) -> dict[str, float]:
    return wazo.total(replay.sum(table, hours, q) for q in replay.queue_ids.values())


def _window_cells(case: dict[str, Any], expected: dict[str, Any]) -> list[Cell]:
    """`abandoned_calls_in_12h_window: 1`: exits of a kind in an hour, every queue."""
    day = _moment(case["events"][0].split("|")[0]).date()
    figure = {"abandoned": wazo.abandoned, "timeout": lambda c: c["exit_timeout"]}
    cells: list[Cell] = []
    for label, value in expected.items():
        what, hour = re.fullmatch(r"(\w+?)_calls_in_(?:(\d+)h_)?window", label).groups()
        start = hour or re.search(r" (\d\d):", case["config"]["window"]).group(1)
        hours = [_at(day, int(start))]
        of = figure[what]
        cells.append(
            (
                label,
                str(value),
                lambda r, h=hours, f=of: wazo.count(f(_all_queues(r, r.calls_by_queue, h))),
            )
        )
    return cells


def _row_cells(expected: dict[str, Any]) -> list[Cell]:
    """Per-call rows (`answered_rows`, `leaveempty_rows`) as counts and sums per queue hour."""
    cells: list[Cell] = []
    leaveempty = expected.get("leaveempty_rows")
    if isinstance(leaveempty, dict):  # {queue: rows}, over the whole case
        for queue, rows in leaveempty.items():
            cells.append(
                (
                    f"leaveempty rows {queue}",
                    str(rows),
                    lambda r, q=queue: wazo.count(wazo.left_empty(r.everything(q))),
                )
            )
    groups: dict[tuple[str, str, datetime], list[dict[str, Any]]] = {}
    for kind in ("answered_rows", "leaveempty_rows"):
        for row in expected.get(kind, []) if isinstance(expected.get(kind), list) else []:
            hour = _moment(row["time"]).replace(minute=0, second=0, microsecond=0)
            groups.setdefault((kind, row["queue"], hour), []).append(row)
    for (kind, queue, hour), rows in groups.items():
        where = f"{kind} {queue} {hour:%H}h"

        def per_queue(
            figure: Callable[[wazo.Components], str], q: str = queue, h: datetime = hour
        ) -> Callable[[Replay], str]:
            return lambda r: figure(r.sum(r.calls_by_queue, [h], r.queue_ids[q]))

        waits = str(sum(row["waittime"] for row in rows))
        if kind == "answered_rows":
            cells.append(
                (
                    f"{where} answered",
                    str(len(rows)),
                    per_queue(lambda c: wazo.count(wazo.answered(c))),
                )
            )
            cells.append(
                (f"{where} waittime", waits, per_queue(lambda c: wazo.count(c["wait_answered_s"])))
            )
            talks = str(sum(row["talktime"] for row in rows))
            cells.append((f"{where} talktime", talks, per_queue(lambda c: wazo.count(c["talk_s"]))))
        else:
            cells.append(
                (
                    f"{where} rows",
                    str(len(rows)),
                    per_queue(lambda c: wazo.count(wazo.left_empty(c))),
                )
            )
            cells.append((f"{where} waittime", waits, per_queue(wazo.left_empty_wait)))
    if "answered_rows_count" in expected:
        count = str(expected["answered_rows_count"])
        cells.append(("answered rows", count, lambda r: wazo.count(wazo.answered(r.everything()))))
    agents: dict[tuple[str, datetime], int] = {}
    for row in expected.get("answered_rows", []):
        if "agent" in row:
            hour = _moment(row["time"]).replace(minute=0, second=0, microsecond=0)
            agents[row["agent"], hour] = agents.get((row["agent"], hour), 0) + 1
    for (agent, hour), rows in agents.items():
        cells.append(
            (
                f"answered rows agent {agent} {hour:%H}h",
                str(rows),
                lambda r, a=agent, h=hour: wazo.count(
                    wazo.answered(r.sum(r.calls_by_agent, [h], r.agent_ids[a]))
                ),
            )
        )
    return cells


def _bucket_cells(case: dict[str, Any], expected: dict[str, Any]) -> list[Cell]:
    """Counts per 15-minute or hour bucket (`quarter_hour`, `hour_total`, …) of the window."""
    day = date.fromisoformat(re.search(r"\d{4}-\d\d-\d\d", case["config"]["window"]).group())
    exits = {"full": lambda c: c["exit_full"]}
    cells: list[Cell] = []
    for key, buckets in expected.items():
        if key == "hour_buckets_present":
            cells.append((key, ",".join(buckets), lambda r: ",".join(_present(r, day))))
            continue
        table = "calls_by_quarter" if key.startswith("quarter") else "calls_by_queue"
        for at, value in buckets.items():
            start = _at(day, *(int(part) for part in at.split(":")))
            figures = value if isinstance(value, dict) else {"received": value}
            for what, number in figures.items():
                of = exits.get(what, wazo.received)
                cells.append(
                    (
                        f"{key} {at} {what}",
                        str(number),
                        lambda r, t=table, s=start, f=of: wazo.count(
                            f(_all_queues(r, getattr(r, t), [s]))
                        ),
                    )
                )
    return cells


def _present(replay: Replay, day: date) -> list[str]:
    """Hour buckets of the window (day 00:00 to 03:00, inclusive) holding any call."""
    hours = [_at(day, h) for h in range(4)]
    return [
        f"{h:%H:%M}"
        for h in hours
        if wazo.received(_all_queues(replay, replay.calls_by_queue, [h]))
    ]


def _wrapup_cells(expected: dict[str, Any], case: dict[str, Any]) -> list[Cell]:
    """`{"06:00": {"Agent/1": "wrapup 45 s"}}`: each agent's wrap-up seconds per hour."""
    day = _moment(case["events"][0].split("|")[0]).date()
    cells: list[Cell] = []
    for at, agents in expected.items():
        hour = _at(day, int(at[:2]))
        for member, text in agents.items():
            code = member.split("/", 1)[1]
            cells.append((f"{at} {member}", text, _wrapup_of(code, hour)))
    return cells


def _wrapup_of(agent: str, hour: datetime) -> Callable[[Replay], str]:
    def cell(r: Replay) -> str:
        seconds = wazo.whole(r.sum(r.states_by_agent, [hour], r.agent_ids[agent]), "acw_state_s")
        return f"wrapup {seconds} s"

    return cell


def _cells(case: dict[str, Any]) -> list[Cell]:
    """Every cell the case asserts, whatever the shape of its `expected`."""
    expected = case["expected"]
    if isinstance(expected, list):
        return [cell for block in expected for cell in _table_cells(case, block)]
    if case["category"] == "agent_wrapup":
        return _wrapup_cells(expected, case)
    if case["category"] == "bucketing":
        return _bucket_cells(case, expected)
    if any(key.endswith("window") for key in expected):
        return _window_cells(case, expected)
    return _row_cells(expected)


@pytest.mark.parametrize("case", _cases())
def test_wazo_case(
    case: dict[str, Any] | None,
    database: Database,
    wide_client: TestClient,
    wide_settings: Settings,
) -> None:
    if case is None:
        pytest.skip(f"{CASES} is absent: see ../shared/data/README.md")
    if not case["events"]:
        pytest.skip(
            "no queue_log to replay: the case's input is Wazo's own aggregated tables"
            f" ({case['config']['input_note']})"
        )
    cells = _cells(case)
    replay = _replay(case, database, wide_client, wide_settings)
    wrong, not_comparable = [], []
    for where, expected, compute in cells:
        try:
            got = compute(replay)
        except wazo.NotComparable as reason:
            not_comparable.append((where, str(reason)))
            continue
        if got != expected:
            wrong.append((where, expected, got))
    assert wrong == []
    assert len(not_comparable) < len(cells)
