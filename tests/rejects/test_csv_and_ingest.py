"""The CSV of rejected records, and rejections as ingest stores them (v1 routes and feeds)."""

import csv
import io
import secrets
from datetime import UTC, datetime, timedelta

from tests.factories import post
from tests.rejects.helpers import Seeded

HEADER = [
    "ID / 编号",
    "Received at / 接收时间",
    "Timezone / 时区",
    "Vendor / 供应商",
    "Client / 客户",
    "Feed / 数据源",
    "Record kind / 记录类型",
    "Index (batch from 0; feed line from 1) / 序号（批内从0起；数据源行号从1起）",
    "Record id / 记录编号",
    "Errors / 错误",
    "Record as received / 原始记录",
]


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("\ufeff")  # Excel reads the Chinese headers
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_has_bilingual_headers_and_the_rows_of_the_json(client, seeded: Seeded):
    t, ids = seeded.tenant, seeded.ids
    rows = read_csv(client.get("/v1/rejected.csv", headers=t.auth(t.client_key)))
    assert rows == [
        HEADER,
        [
            str(ids["r4"]),
            "2026-11-21T09:00:00+08:00",
            "Asia/Shanghai",
            t.other_vendor,
            t.client,
            "",
            "agent-events",
            "1",
            "key-r4",
            "agent: x | at: y",
            "d",
        ],
        [str(ids["r6"]), "2026-11-20T09:00:00+08:00", "Asia/Shanghai", t.vendor, t.client, "",
         "calls", "1", "key-r6", "talk_s: must be ≥ 0", "'=HYPERLINK(1)"],  # inert
        [str(ids["r1"]), "2026-11-20T09:00:00+08:00", "Asia/Shanghai", t.vendor, t.client, "",
         "calls", "1", "key-r1", "offered_at: needs a UTC offset", "a"],
    ]  # fmt: skip
    same = client.get("/v1/rejected", params={"format": "csv"}, headers=t.auth(t.client_key))
    assert read_csv(same) == rows
    filtered = client.get("/v1/rejected.csv", params={"kind": "calls"}, headers=t.auth())
    assert [r[0] for r in read_csv(filtered)[1:]] == [
        str(ids["r2"]),
        str(ids["r6"]),
        str(ids["r1"]),
    ]


def test_a_csv_longer_than_one_read_is_whole_and_in_order(
    client, database, pg, tenant, monkeypatch
):
    from app.rejects import service
    from tests.rejects.helpers import seed

    monkeypatch.setattr(service, "EXPORT_CHUNK", 3)  # 7 rows: reads of 3, 3 and 1
    rows = {
        f"n{n}": ("v", "c", "calls", f"2026-11-2{n % 3}T0{n}:00:00Z", [f"e{n}"], f"p{n}")
        for n in range(7)
    }
    ids = seed(pg, tenant, rows)
    got = read_csv(client.get("/v1/rejected.csv", headers=tenant.auth()))[1:]
    newest_first = sorted(ids, key=lambda n: (rows[n][3], ids[n]), reverse=True)
    assert [r[0] for r in got] == [str(ids[n]) for n in newest_first]


def _now(minutes_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def test_rejections_from_the_v1_routes_and_from_a_feed_are_listed(client, tenant, make_feed):
    bad_queue = {"call_id": "rj-1", "queue": "nowhere", "offered_at": _now(5)}
    answer = post(client, "/v1/calls", [bad_queue], tenant).json()
    assert len(answer["rejected"]) == 1
    name = make_feed(timezone=None)
    call = f"rj-{secrets.token_hex(4)}"
    lines = [
        f"offered|{call}|Q|{_now(9)}",
        f"offered|{call}-2|IT|{_now(9)}",  # refused by the adapter
        f"offered|{call}-3|Q|{_now(-60)}",  # refused by validation: an hour ahead
    ]
    response = client.post(
        f"/v1/feeds/{name}",
        content="\n".join(lines).encode(),
        headers={**tenant.auth(), "Content-Type": "text/plain"},
    )
    assert response.json()["accepted"] == 1
    rows = client.get("/v1/rejected", headers=tenant.auth()).json()["rejected"]
    ahead, unmapped, v1 = rows  # newest first: the adapter's refusals are stored first
    assert (unmapped["feed"], unmapped["kind"], unmapped["record_index"], unmapped["payload"]) == (
        name,
        "call-events",
        2,  # the source's 1-based line
        lines[1],
    )
    assert "source queue 'IT' is not mapped" in unmapped["errors"][0]
    assert (ahead["feed"], ahead["record_index"], ahead["payload"]) == (name, 3, lines[2])
    assert ahead["client"] is None and ahead["errors"][0].startswith("at:")
    assert (v1["feed"], v1["kind"], v1["record_index"], v1["record_key"]) == (
        None,
        "calls",
        0,
        "rj-1",
    )
    assert v1["client"] is None and v1["timezone"] == "UTC"  # an unknown queue: no client
    assert v1["errors"] == answer["rejected"][0]["errors"]
    # the client never sees the vendor's record to an unknown queue
    assert client.get("/v1/rejected", headers=tenant.auth(tenant.client_key)).json() == {
        "rejected": [],
        "next_cursor": None,
    }
