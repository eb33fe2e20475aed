"""Each feed format end to end: YAML → `POST /v1/feeds/{name}` → aggregation → the API.

A vendor sees its queues live with the numbers its own system reports: every format's
sample (the adapters' own, tests/ingest/adapters/samples) is pushed as its source writes
it, and `/v1/metrics` for 2026-11-20 (the samples' day, Asia/Shanghai) must give the
figures worked out by hand below; a fresh open call and fresh agent states, made with the
adapter tests' builders or the samples moved to now, must show on `/v1/queues/{code}/live`.
"""

import base64
import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import pytest
import yaml

from app.access.keys import create_key
from app.apply.file import load_file
from app.apply.service import apply_tenancy
from app.kpi.aggregation import drain
from tests.factories import Tenant
from tests.ingest.adapters import test_connect_agent_events as connect_agent_events_samples
from tests.ingest.adapters import test_connect_ctr as connect_ctr_samples
from tests.ingest.adapters import test_csv_export as csv_export_samples
from tests.ingest.adapters import test_freeswitch_callcenter as freeswitch_callcenter_samples
from tests.ingest.adapters import test_genesys_conversations as genesys_conversations_samples
from tests.ingest.adapters import test_twilio_taskrouter as twilio_taskrouter_samples

DAY, NEXT_DAY = "2026-11-20", "2026-11-21"
SHANGHAI = ZoneInfo("Asia/Shanghai")
E0 = int(datetime(2026, 11, 20, 1, 0, tzinfo=UTC).timestamp())  # 09:00 in Shanghai
ISO_ON_SAMPLE_DAY = re.compile(r"2026-11-20T(\d\d:\d\d:\d\d(?:\.\d+)?)Z")
NDJSON = "application/x-ndjson"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def declare(database, vendor: str, fmt: str, queues: dict[str, str], **more: Any) -> str:
    """Apply a `feeds:` YAML entry of `fmt` for `vendor` (Asia/Shanghai unless given)."""
    entry = {
        "name": f"{fmt}-{secrets.token_hex(3)}",
        "vendor": vendor,
        "format": fmt,
        "timezone": "Asia/Shanghai",
        "queues": queues,
        **more,
    }
    entry = {k: v for k, v in entry.items() if v is not None}
    with database.session_scope() as session:
        apply_tenancy(session, load_file(yaml.safe_dump({"feeds": [entry]})))
    return str(entry["name"])


def push(client, name: str, body: bytes | str, content_type: str, auth: dict[str, str]):
    """POST a body to a feed; return the response."""
    data = body.encode() if isinstance(body, str) else body
    return client.post(
        f"/v1/feeds/{name}", content=data, headers={**auth, "Content-Type": content_type}
    )


def accepted(response) -> dict[str, Any]:
    """Return a 200 answer's JSON."""
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def day_row(client, tenant: Tenant, queue: str) -> dict[str, Any]:
    """Return the queue's 2026-11-20 row of `/v1/metrics`."""
    response = client.get(
        "/v1/metrics",
        params={"queue": queue, "from": DAY, "to": NEXT_DAY, "granularity": "day"},
        headers=tenant.auth(tenant.client_key),
    )
    assert response.status_code == 200, response.text
    [row] = response.json()["series"]
    return dict(row)


def live(client, tenant: Tenant, queue: str) -> dict[str, Any]:
    """Return `/v1/queues/{queue}/live` as the client sees it."""
    response = client.get(f"/v1/queues/{queue}/live", headers=tenant.auth(tenant.client_key))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def figures(row: dict[str, Any], *names: str) -> dict[str, Any]:
    """Pick KPIs of a metrics row."""
    return {name: row[name] for name in names}


CALL_FIGURES = ("received", "offered", "answered", "abandoned", "overflowed", "blocked")


def moved_to(text: str, sample_moment: str, now_moment: datetime) -> str:
    """Move every `2026-11-20T…Z` time of a sample by the gap from `sample_moment` to now."""
    shift = now_moment - datetime.fromisoformat(f"{DAY}T{sample_moment}+00:00")

    def move(match: re.Match[str]) -> str:
        moment = datetime.fromisoformat(f"{DAY}T{match.group(1)}+00:00") + shift
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    return ISO_ON_SAMPLE_DAY.sub(move, text)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def rejected_rows(pg, tenant: Tenant) -> list[tuple[int, str, list[str]]]:
    """Return the vendor's stored rejections: (line, source text, errors)."""
    return [
        tuple(row)
        for row in pg.execute(
            "SELECT record_index, payload, errors FROM rejected_records r JOIN vendors v"
            " ON v.id = r.vendor_id WHERE v.code = %s ORDER BY record_index",
            (tenant.vendor,),
        ).fetchall()
    ]


# --- asterisk-queue-log ----------------------------------------------------------------


def queue_log(start: int, calls: str) -> str:
    """A stock queue_log; `calls` lines are `offset|callid|queue|agent|event|data…`."""
    lines = []
    for line in calls.strip().splitlines():
        offset, rest = line.strip().split("|", 1)
        lines.append(f"{start + int(offset)}|{rest}")
    return "\n".join(lines) + "\n"


ASTERISK_DAY = """
    0|c1.1|IT|NONE|ENTERQUEUE||13800138000|1
    8|c1.1|IT|SIP/8001|CONNECT|8|c1.2|3
    128|c1.1|IT|SIP/8001|COMPLETECALLER|8|120|1
    30|c5.1|5001|NONE|ENTERQUEUE||13900139000|1
    60|c5.1|5001|SIP/8002|CONNECT|30|c5.2|2
    160|c5.1|5001|SIP/8002|COMPLETEAGENT|30|100|1
    60|c2.1|IT|NONE|ENTERQUEUE||13700137000|1
    90|c2.1|IT|NONE|ABANDON|1|1|30
    120|c3.1|IT|NONE|ENTERQUEUE||13600136000|1
    420|c3.1|IT|NONE|EXITWITHTIMEOUT|1|1|300
    200|c4.1|IT|NONE|FULL
    300|NONE|IT|SIP/8003|RINGNOANSWER|15000
"""


def test_asterisk_queue_log(client, tenant, database, settings):
    name = declare(
        database,
        tenant.vendor,
        "asterisk-queue-log",
        {"IT": tenant.queue, 5001: tenant.shared_queue},
    )
    body = queue_log(E0, ASTERISK_DAY)
    # RINGNOANSWER makes no record and is not counted
    assert accepted(push(client, name, body, "text/plain", tenant.auth())) == {
        "accepted": 11,
        "duplicates": 0,
        "rejected": [],
    }
    drain(database, settings)
    it = day_row(client, tenant, tenant.queue)
    assert figures(it, *CALL_FIGURES) == {
        "received": 4,  # c1, c2, c3 and the FULL c4
        "offered": 3,  # c4 never waited
        "answered": 1,
        "abandoned": 1,
        "overflowed": 1,  # EXITWITHTIMEOUT
        "blocked": 1,
    }
    assert it["service_level"] == pytest.approx(1 / 3)  # c1 answered after 8 s ≤ 20 s
    assert (it["asa_s"], it["aht_s"]) == (8, 120)  # COMPLETECALLER's calltime is the talk
    cards = day_row(client, tenant, tenant.shared_queue)
    assert figures(cards, "offered", "answered", "service_level", "aht_s") == {
        "offered": 1,
        "answered": 1,
        "service_level": 0.0,  # answered after 30 s
        "aht_s": 100,
    }

    # A replay of the same log: only duplicates, and the figures do not move.
    replay = accepted(push(client, name, body, "text/plain", tenant.auth()))
    assert (replay["accepted"], replay["duplicates"], replay["rejected"]) == (0, 11, [])
    drain(database, settings)
    assert day_row(client, tenant, tenant.queue) == it

    # Live: a caller waiting now, one agent ready and one paused.
    t = int(now().timestamp())
    fresh = queue_log(
        t,
        """
        -40|live.1|IT|NONE|ENTERQUEUE||13800000000|1
        -60|MANAGER|IT|SIP/8101|ADDMEMBER|
        -60|MANAGER|IT|SIP/8102|ADDMEMBER|
        -30|NONE|IT|SIP/8102|PAUSE|Lunch
        """,
    )
    assert accepted(push(client, name, fresh, "text/plain", tenant.auth()))["accepted"] == 4
    drain(database, settings)
    board = live(client, tenant, tenant.queue)
    assert board["waiting"] == 1 and 40 <= board["longest_wait_s"] < 120
    assert (board["agents_by_state"]["available"], board["agents_by_state"]["not_ready"]) == (1, 1)
    paused = {a["agent"]: a for a in board["agents"]}["8102"]
    assert (paused["state"], paused["reason"]) == ("not_ready", "Lunch")


def test_unmapped_queue_and_naive_time_are_named_by_line_and_the_rest_goes_in(
    client, tenant, database, settings, pg
):
    name = declare(
        database, tenant.vendor, "asterisk-queue-log", {"IT": tenant.queue}, timezone=None
    )
    lines = [
        f"{E0}|ok.1|IT|NONE|ENTERQUEUE||13800138000|1",
        f"{E0}|sales.1|SALES|NONE|ENTERQUEUE||13800138001|1",
        "2026-11-20 09:00:05|naive.1|IT|NONE|ENTERQUEUE||13800138002|1",
        f"{E0 + 30}|ok.1|IT|NONE|ABANDON|1|1|30",
    ]
    answer = accepted(push(client, name, "\n".join(lines), "text/plain", tenant.auth()))
    assert answer["accepted"] == 2
    assert [r["index"] for r in answer["rejected"]] == [2, 3]
    assert "source queue 'SALES' is not mapped" in answer["rejected"][0]["errors"][0]
    assert "has no UTC offset" in answer["rejected"][1]["errors"][0]
    stored = rejected_rows(pg, tenant)
    assert [(index, payload) for index, payload, _ in stored] == [(2, lines[1]), (3, lines[2])]
    assert [errors for _, _, errors in stored] == [r["errors"] for r in answer["rejected"]]
    drain(database, settings)
    assert figures(day_row(client, tenant, tenant.queue), "offered", "abandoned") == {
        "offered": 1,
        "abandoned": 1,
    }


# --- freeswitch-callcenter -------------------------------------------------------------


def test_freeswitch_callcenter(client, tenant, database, settings):
    name = declare(
        database,
        tenant.vendor,
        "freeswitch-callcenter",
        {"support": tenant.queue, "billing@default": tenant.shared_queue},
    )
    sample = freeswitch_callcenter_samples.SAMPLES / "freeswitch_callcenter_events.ndjson"
    answer = accepted(push(client, name, sample.read_bytes(), NDJSON, tenant.auth()))
    assert (answer["accepted"], answer["rejected"]) == (10, [])
    drain(database, settings)
    support = day_row(client, tenant, tenant.queue)
    assert figures(support, *CALL_FIGURES) == {
        "received": 2,
        "offered": 2,
        "answered": 1,  # bridged after 5.88 s
        "abandoned": 1,  # BREAKOUT after 27 s
        "overflowed": 0,
        "blocked": 0,
    }
    assert support["service_level"] == 0.5
    assert support["aht_s"] == 89  # bridge-agent-start 01:00:06 to -end 01:01:35
    assert support["hold_rate"] == 0  # the ESL events say nothing of hold

    # The xml_cdr records of the same two calls fill in their rows: the same figures, and
    # the hold time only the CDR knows (hold_accum_seconds 14 of the 89 s handled).
    cdrs = freeswitch_callcenter_samples.SAMPLES / "freeswitch_xml_cdr.json"
    answer = accepted(push(client, name, cdrs.read_bytes(), JSON, tenant.auth()))
    assert (answer["accepted"], answer["rejected"]) == (2, [])
    drain(database, settings)
    support = day_row(client, tenant, tenant.queue)
    assert figures(support, "received", "answered", "abandoned", "service_level") == {
        "received": 2,
        "answered": 1,
        "abandoned": 1,
        "service_level": 0.5,
    }
    assert (support["aht_s"], support["avg_hold_s"], support["hold_rate"]) == (89, 14, 1)
    billing = day_row(client, tenant, tenant.shared_queue)
    assert figures(billing, "offered", "answered", "overflowed", "overflow_rate") == {
        "offered": 1,
        "answered": 0,
        "overflowed": 1,  # TIMEOUT
        "overflow_rate": 1.0,
    }

    moment = now() - timedelta(seconds=45)
    waiting = freeswitch_callcenter_samples.event(
        CC_Action="member-queue-start",
        CC_Member_Session_UUID=f"live-{secrets.token_hex(4)}",
        Event_Date_Timestamp=str(int(moment.timestamp()) * 1_000_000),
    )
    assert accepted(push(client, name, json.dumps(waiting), NDJSON, tenant.auth()))["accepted"] == 1
    drain(database, settings)
    assert live(client, tenant, tenant.queue)["waiting"] == 1


# --- connect-ctr -----------------------------------------------------------------------


def test_connect_ctr(client, tenant, database, settings):
    name = declare(
        database,
        tenant.vendor,
        "connect-ctr",
        {"BasicQueue": tenant.queue, "Cards": tenant.shared_queue},
        timezone=None,
    )
    sample = connect_ctr_samples.SAMPLE.read_bytes()
    assert accepted(push(client, name, sample, NDJSON, tenant.auth())) == {
        "accepted": 7,
        "duplicates": 0,
        "rejected": [],
    }
    drain(database, settings)
    basic = day_row(client, tenant, tenant.queue)
    assert figures(basic, *CALL_FIGURES) == {
        "received": 4,
        "offered": 4,
        "answered": 2,
        "abandoned": 1,
        "overflowed": 1,  # transferred out by the queue flow
        "blocked": 0,
    }
    assert basic["service_level"] == 0.5  # waits 12 s and 5 s
    assert basic["asa_s"] == 8.5
    assert basic["aht_s"] == (278 + 20 + 35 + 155 + 0 + 20) / 2
    assert basic["transfer_rate"] == 0.5
    cards = day_row(client, tenant, tenant.shared_queue)
    assert figures(cards, "offered", "answered", "service_level", "aht_s") == {
        "offered": 1,  # the transfer leg; the outbound contact is not offered
        "answered": 1,
        "service_level": 0.0,  # 45 s
        "aht_s": 375 + 60,
    }

    # At least once: a replay, then an older copy of contact 1 (still in the queue) after
    # the newer one: duplicates, never an overwrite.
    again = accepted(push(client, name, sample, NDJSON, tenant.auth()))
    assert (again["accepted"], again["duplicates"]) == (0, 7)
    older = connect_ctr_samples.sample_records()[0]
    older.update(LastUpdateTimestamp="2026-11-20T01:00:35Z", Agent=None)
    older.update(DisconnectTimestamp=None, DisconnectReason=None)
    older["Queue"]["DequeueTimestamp"] = None
    stale = accepted(push(client, name, json.dumps(older), NDJSON, tenant.auth()))
    assert (stale["accepted"], stale["duplicates"], stale["rejected"]) == (0, 1, [])
    drain(database, settings)
    assert day_row(client, tenant, tenant.queue) == basic

    waiting = connect_ctr_samples.sample_records()[3]
    waiting.update(ContactId=f"live-{secrets.token_hex(4)}", DisconnectTimestamp=None)
    waiting.update(DisconnectReason=None)
    waiting["Queue"]["DequeueTimestamp"] = None
    fresh = moved_to(json.dumps(waiting), "01:31:12", now() - timedelta(seconds=5))
    assert accepted(push(client, name, fresh, NDJSON, tenant.auth()))["accepted"] == 1
    drain(database, settings)
    board = live(client, tenant, tenant.queue)
    assert board["waiting"] == 1 and 45 <= board["longest_wait_s"] < 120


# --- connect-agent-events --------------------------------------------------------------


def test_connect_agent_events(client, tenant, database, settings):
    name = declare(
        database,
        tenant.vendor,
        "connect-agent-events",
        {"BasicQueue": tenant.queue, "Cards": tenant.shared_queue},
        timezone=None,
    )
    lines = connect_agent_events_samples.SAMPLE.read_text().splitlines()
    # Li Wei's day up to her lunch break (line 7), moved so the break began a minute ago.
    body = moved_to("\n".join(lines[:7]), "01:30:00", now() - timedelta(minutes=1))
    answer = accepted(push(client, name, body, NDJSON, tenant.auth()))
    assert (answer["accepted"], answer["rejected"]) == (6, [])  # the HEART_BEAT is not counted
    drain(database, settings)
    for queue in (tenant.queue, tenant.shared_queue):
        board = live(client, tenant, queue)
        assert board["agents_by_state"] == {
            "available": 0,
            "talking": 0,
            "acw": 0,
            "not_ready": 1,
            "stale": 0,
        }
        [agent] = board["agents"]
        assert (agent["agent"], agent["reason"]) == ("li.wei", "Lunch")
        assert 60 <= agent["in_state_s"] < 180
    assert accepted(push(client, name, body, NDJSON, tenant.auth()))["duplicates"] == 6


# --- genesys-conversations -------------------------------------------------------------


def test_genesys_conversations(client, tenant, database, settings):
    name = declare(
        database,
        tenant.vendor,
        "genesys-conversations",
        {
            genesys_conversations_samples.GENERAL: tenant.queue,
            genesys_conversations_samples.CARDS: tenant.shared_queue,
        },
        timezone=None,
    )
    sample = genesys_conversations_samples.SAMPLE.read_bytes()
    answer = accepted(push(client, name, sample, JSON, tenant.auth()))
    assert (answer["accepted"], answer["rejected"]) == (5, [])
    drain(database, settings)
    general = day_row(client, tenant, tenant.queue)
    assert figures(general, *CALL_FIGURES) == {
        "received": 3,
        "offered": 3,
        "answered": 1,
        "abandoned": 1,  # tAbandon
        "overflowed": 1,  # tFlowOut
        "blocked": 0,
    }
    assert general["service_level"] == pytest.approx(1 / 3)
    assert general["aht_s"] == 155 + 20
    cards = day_row(client, tenant, tenant.shared_queue)
    assert figures(cards, "offered", "answered", "service_level", "asa_s", "aht_s") == {
        "offered": 2,  # conversation 1 and the second visit of conversation 3
        "answered": 2,
        "service_level": 0.5,  # 12 s and 45 s
        "asa_s": (12 + 45) / 2,
        "aht_s": (278 + 20 + 30 + 375 + 60) / 2,
    }
    assert accepted(push(client, name, sample, JSON, tenant.auth()))["duplicates"] == 5

    waiting = genesys_conversations_samples.waiting_conversation()
    waiting["conversationId"] = f"live-{secrets.token_hex(4)}"
    fresh = moved_to(json.dumps(waiting), "01:30:25", now() - timedelta(seconds=50))
    assert accepted(push(client, name, fresh, JSON, tenant.auth()))["accepted"] == 1
    drain(database, settings)
    board = live(client, tenant, tenant.queue)
    assert board["waiting"] == 1 and 50 <= board["longest_wait_s"] < 120


# --- twilio-taskrouter -----------------------------------------------------------------


def basic_auth(key: str) -> dict[str, str]:
    """Twilio's webhook credentials: the key as the password of HTTP Basic auth."""
    return {"Authorization": "Basic " + base64.b64encode(f"twilio:{key}".encode()).decode()}


def test_twilio_taskrouter(client, tenant, database, settings, pg):
    name = declare(database, tenant.vendor, "twilio-taskrouter", {"Cards Support": tenant.queue})
    callbacks = (twilio_taskrouter_samples.SAMPLES / "twilio_taskrouter_events.txt").read_text()
    sent = []
    for callback in callbacks.splitlines():
        fields = dict(parse_qsl(callback))
        # Twilio calls task-queue.entered first; the hung-up task's entered callback is lost
        # here, and the cancel, restating the task's creation, still counts it as offered.
        if fields["EventType"] == "task.canceled" and "hangup" not in callback:
            created = fields["TaskDateCreated"]
            entered = twilio_taskrouter_samples.task_event(
                "task-queue.entered", TaskSid=fields["TaskSid"], TaskDateCreated=created
            )
            sent.append(urlencode(entered | {"Timestamp": created}))
        sent.append(callback)
    for callback in sent:
        response = push(client, name, callback, FORM, basic_auth(tenant.key))
        assert (response.status_code, response.content) == (204, b"")
    drain(database, settings)
    cards = day_row(client, tenant, tenant.queue)
    assert figures(cards, *CALL_FIGURES) == {
        "received": 3,
        "offered": 3,
        "answered": 1,
        "abandoned": 1,  # task.canceled (hangup) after 40 s
        "overflowed": 1,  # canceled by the workflow's timeout after 1100 s
        "blocked": 0,
    }
    assert cards["service_level"] == pytest.approx(1 / 3)  # answered after 9.137 s
    assert cards["aht_s"] == pytest.approx(122 + 31)  # talk to task.wrapup, wrap-up to completed
    assert pg.execute(
        "SELECT count(*) FROM rejected_records r JOIN vendors v ON v.id = r.vendor_id"
        " WHERE v.code = %s",
        (tenant.vendor,),
    ).fetchone() == (0,)

    moment = str(int((now() - timedelta(seconds=30)).timestamp()))
    entered = twilio_taskrouter_samples.task_event(
        "task-queue.entered", TaskSid=f"WTlive{secrets.token_hex(4)}", TaskDateCreated=moment
    ) | {"Timestamp": moment}
    response = push(client, name, urlencode(entered), FORM, basic_auth(tenant.key))
    assert response.status_code == 204
    drain(database, settings)
    assert live(client, tenant, tenant.queue)["waiting"] == 1

    # An outbound Flex task: an outbound call, answered by the same events as an inbound one.
    outbound = {"TaskSid": f"WTout{secrets.token_hex(4)}", "TaskDateCreated": str(E0 + 3600)}
    outbound["TaskAttributes"] = json.dumps({"direction": "outbound", "to": "+8613800138000"})
    for kind, at in (("task-queue.entered", E0 + 3600), ("reservation.accepted", E0 + 3605)):
        fields = twilio_taskrouter_samples.task_event(kind, **outbound) | {"Timestamp": str(at)}
        fields["WorkerName"] = "li.na@acme.example"
        assert (
            push(client, name, urlencode(fields), FORM, basic_auth(tenant.key)).status_code == 204
        )
    assert pg.execute(
        "SELECT direction, answered_at - offered_at FROM calls WHERE call_id = %s",
        (outbound["TaskSid"],),
    ).fetchone() == ("outbound", timedelta(seconds=5))
    assert rejected_rows(pg, tenant) == []


# --- csv -------------------------------------------------------------------------------


def test_gb18030_csv_export_with_chinese_headers(client, tenant, database, settings, pg):
    options = csv_export_samples.ALIYUN.model_dump(mode="json", exclude_unset=True)
    name = declare(
        database,
        tenant.vendor,
        "csv",
        {"skg-cards@acme": tenant.queue, "skg-it@acme": tenant.shared_queue},
        csv=options,
    )
    sample = (csv_export_samples.SAMPLES / "aliyun_ccc_export.gb18030.csv").read_bytes()
    answer = accepted(push(client, name, sample, "text/csv", tenant.auth()))
    assert answer["accepted"] == 3
    [vip] = answer["rejected"]  # line 5 serves a skill group the feed does not map
    assert vip["index"] == 5 and "source queue 'skg-vip@acme' is not mapped" in vip["errors"][0]
    [(index, payload, _)] = rejected_rows(pg, tenant)
    assert (index, payload) == (5, sample.decode("gb18030").splitlines()[4])
    drain(database, settings)
    cards = day_row(client, tenant, tenant.queue)
    assert figures(cards, "offered", "answered", "abandoned", "service_level", "aht_s", "csat") == {
        "offered": 2,
        "answered": 1,
        "abandoned": 1,
        "service_level": 0.5,
        "aht_s": 258 + 20,  # 通话时长 and 保持时长 as the export states them
        "csat": 100.0,  # 5 of 5
    }
    it = day_row(client, tenant, tenant.shared_queue)
    assert figures(it, "offered", "answered", "aht_s", "csat") == {
        "offered": 1,
        "answered": 1,
        "aht_s": 465,
        "csat": 75.0,  # 4 of 5: 1 → 0, 5 → 100
    }
    again = accepted(push(client, name, sample, "text/csv", tenant.auth()))
    assert (again["accepted"], again["duplicates"], len(again["rejected"])) == (0, 3, 1)

    header = sample.decode("gb18030").splitlines()[0]
    local = (now() - timedelta(seconds=35)).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    row = (
        f"live-{secrets.token_hex(4)},呼入,13800138000,4008001234,skg-cards@acme,,,{local},,,0,0,,"
    )
    body = f"{header}\r\n{row}\r\n".encode("gb18030")
    assert accepted(push(client, name, body, "text/csv", tenant.auth()))["accepted"] == 1
    drain(database, settings)
    assert live(client, tenant, tenant.queue)["waiting"] == 1


# --- the issue's YAML, as written ------------------------------------------------------

ISSUE_FEEDS = """
feeds:
  - {name: floor1-asterisk, vendor: vendor-a, format: asterisk-queue-log, timezone: Asia/Shanghai,
     queues: {IT: acme-it, "5001": acme-cards}}
  - {name: acme-connect, vendor: vendor-b, format: connect-ctr, queues: {BasicQueue: acme-cards}}
  - {name: aliyun-export, vendor: vendor-c, format: csv, timezone: Asia/Shanghai,
     csv: {delimiter: ",", encoding: gb18030, columns: {call_id: ContactId, queue: SkillGroupIds,
           offered_at: StartTime, answered_at: EstablishedTime, ended_at: ReleaseTime, agent: AgentIds},
           time_format: "%Y-%m-%d %H:%M:%S", csat_scale: 5}}
"""  # noqa: E501 (the issue's text as written)
ISSUE_TENANCY = """
clients: [{code: acme, name: Acme Bank, timezone: Asia/Shanghai}]
vendors:
  - {code: vendor-a, name: Floor 1}
  - {code: vendor-b, name: Cloud}
  - {code: vendor-c, name: Aliyun}
queues:
  - {code: acme-it, client: acme, vendors: [vendor-a]}
  - {code: acme-cards, client: acme, vendors: [vendor-a, vendor-b, vendor-c]}
"""
ISSUE_CODES = (
    "floor1-asterisk", "acme-connect", "aliyun-export", "acme-cards", "acme-it",
    "vendor-a", "vendor-b", "vendor-c", "acme",
)  # fmt: skip


def test_the_issue_example_applies_as_written_and_three_vendors_fill_one_queue(
    client, database, settings
):
    suffix = secrets.token_hex(3)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, ISSUE_CODES)) + r")\b")

    def ours(text: str) -> str:  # the issue's codes, unique to this test
        return pattern.sub(lambda m: f"{m.group(1)}-{suffix}", text)

    text = ours(ISSUE_TENANCY + ISSUE_FEEDS)
    with database.session_scope() as session:
        first = apply_tenancy(session, load_file(text)).counts
        keys = {
            vendor: create_key(session, "vendor", vendor_code=ours(vendor))
            for vendor in ("vendor-a", "vendor-b", "vendor-c")
        }
        keys["acme"] = create_key(session, "client", client_code=ours("acme"))
    assert first["feeds created"] == 3
    with database.session_scope() as session:
        assert apply_tenancy(session, load_file(text)).counts == {}

    def send(feed: str, body: str | bytes, content_type: str, vendor: str) -> dict[str, Any]:
        auth = {"Authorization": f"Bearer {keys[vendor]}"}
        return accepted(push(client, ours(feed), body, content_type, auth))

    asterisk = queue_log(E0, ASTERISK_DAY)
    assert send("floor1-asterisk", asterisk, "text/plain", "vendor-a")["accepted"] == 11
    contact = connect_ctr_samples.SAMPLE.read_text().splitlines()[0]  # BasicQueue, answered
    assert send("acme-connect", contact, NDJSON, "vendor-b")["accepted"] == 1
    export = (
        "ContactId,SkillGroupIds,StartTime,EstablishedTime,ReleaseTime,AgentIds,AgentNames\r\n"
        f"job-1,{ours('acme-cards')},2026-11-20 09:20:00,2026-11-20 09:20:30,"
        "2026-11-20 09:25:00,8001,张伟\r\n"
        "job-2,cards,2026-11-20 09:21:00,,2026-11-20 09:22:00,,\r\n"
    )
    # As written, the example maps no skill group: the column holds CallPulse queue codes.
    answer = send("aliyun-export", export.encode("gb18030"), "text/csv", "vendor-c")
    assert answer["accepted"] == 1
    [refused] = answer["rejected"]
    assert (refused["index"], refused["errors"]) == (3, ["queue: unknown queue 'cards'"])
    drain(database, settings)

    cards = ours("acme-cards")
    response = client.get(
        "/v1/metrics",
        params={"queue": cards, "from": DAY, "to": NEXT_DAY, "granularity": "day"},
        headers={"Authorization": f"Bearer {keys['acme']}"},
    )
    assert response.status_code == 200, response.text
    [row] = response.json()["series"]
    # c5 of the queue_log (30 s), contact 1 of Connect (12 s), job-1 of the export (30 s)
    assert (row["offered"], row["answered"], row["answered_within_threshold"]) == (3, 3, 1)
