"""Nothing is read silently wrong: a body that is not what it claims gets a named error."""

import json

import pytest

from tests.factories import post

AT = "2026-11-20T09:00:00+08:00"


def _send(client, tenant, body: bytes, content_type: str, path: str = "/v1/calls"):
    return client.post(path, content=body, headers={**tenant.auth(), "Content-Type": content_type})


def _csv_cases(queue: str) -> list[tuple[str, str, str]]:
    return [
        (
            "JSON sent as CSV",
            json.dumps([{"call_id": "j1", "queue": queue, "offered_at": AT}]),
            "body looks like JSON but is sent as text/csv",
        ),
        (
            "duplicated column",
            f"call_id,queue,offered_at,queue\nd1,{queue},{AT},other\n",
            "CSV header names 'queue' twice (columns 2 and 4)",
        ),
        (
            "no header",
            f"h1,{queue},{AT}\nh2,{queue},{AT}\n",
            "CSV has no header row: the first line",
        ),
        (
            "no header, codes only",
            f"h1,{queue}\nh2,{queue}\n",
            "names none of the fields of this kind (call_id, queue, ",
        ),
        (
            "semicolons",
            f"call_id;queue;offered_at\ns1;{queue};{AT}\n",
            "CSV header is semicolon-delimited",
        ),
        ("tabs", f"call_id\tqueue\toffered_at\nt1\t{queue}\t{AT}\n", "CSV header is tab-delimited"),
    ]


@pytest.mark.parametrize("case", [c[0] for c in _csv_cases("q")])
def test_csv_that_is_not_what_it_claims_is_a_named_400(client, tenant, case):
    [(_, body, message)] = [c for c in _csv_cases(tenant.queue) if c[0] == case]
    response = _send(client, tenant, body.encode(), "text/csv")
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]


@pytest.mark.parametrize("charset", ["gb18030", "GBK"])
def test_gb18030_body_is_read_when_declared(client, tenant, pg, charset):
    body = f"call_id,queue,offered_at,disposition\ngb-{charset},{tenant.queue},{AT},已解决\n"
    response = _send(client, tenant, body.encode("gb18030"), f"text/csv; charset={charset}")
    assert response.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    stored = pg.execute("SELECT disposition FROM calls WHERE call_id = %s", [f"gb-{charset}"])
    assert stored.fetchone()[0] == "已解决"


@pytest.mark.parametrize("content_type", ["text/csv", "application/x-ndjson"])
def test_undeclared_gb18030_body_is_refused_with_the_hint(client, tenant, content_type):
    if content_type == "text/csv":
        text = f"call_id,queue,offered_at,disposition\ngb1,{tenant.queue},{AT},已解决\n"
    else:
        record = {
            "call_id": "gb1",
            "queue": tenant.queue,
            "offered_at": AT,
            "disposition": "已解决",
        }
        text = json.dumps(record, ensure_ascii=False) + "\n"
    response = _send(client, tenant, text.encode("gbk"), content_type)
    assert response.status_code == 400
    assert "charset=gb18030" in response.json()["error"]


def test_unsupported_charset_is_415(client, tenant):
    response = _send(client, tenant, b"call_id\n", "text/csv; charset=latin-1")
    assert response.status_code == 415
    assert "charset=gb18030" in response.json()["error"]


def test_csat_on_a_five_point_scale_is_never_read_as_percent(client, tenant, pg):
    records = [
        {"call_id": f"s5-{i}", "queue": tenant.queue, "offered_at": AT, "csat": v}
        for i, v in enumerate([4, 5, 3])
    ]
    body = post(client, "/v1/calls", records, tenant).json()
    assert body["accepted"] == 0 and len(body["rejected"]) == 3
    assert body["rejected"][0]["errors"] == [
        "csat: 4 looks like a score on a 1–5 scale (every csat of this batch is a whole"
        " number from 1 to 5): send csat_scale 5 with it, or csat_scale 100 for a 0–100 score"
    ]
    scaled = [{**r, "csat_scale": 5} for r in records]
    assert post(client, "/v1/calls", scaled, tenant, "csv").json()["accepted"] == 3
    percent = {**records[0], "call_id": "s100", "csat_scale": 100}
    assert post(client, "/v1/calls", [percent], tenant).json()["accepted"] == 1
    stored = dict(
        pg.execute(
            "SELECT c.call_id, c.csat FROM calls c JOIN clients k ON k.id = c.client_id"
            " WHERE k.code = %s",
            [tenant.client],
        ).fetchall()
    )
    assert stored == {"s5-0": 75, "s5-1": 100, "s5-2": 50, "s100": 4}


def test_csat_scale_bounds_the_score(client, tenant):
    record = {"call_id": "s6", "queue": tenant.queue, "offered_at": AT, "csat": 6, "csat_scale": 5}
    [rejection] = post(client, "/v1/calls", [record], tenant).json()["rejected"]
    assert rejection["errors"] == ["csat: 6 is outside the 1–5 scale of csat_scale 5"]


def test_import_reads_a_gb18030_file_when_told(database_url, tenant, tmp_path, pg):
    from tests.cli.test_commands import callpulse

    path = tmp_path / "calls.csv"
    path.write_bytes(
        f"call_id,queue,offered_at,disposition\nimp-gb,{tenant.queue},{AT},已解决\n".encode("gbk")
    )
    args = ["import", str(path), "--kind", "calls", "--vendor", tenant.vendor]
    refused = callpulse(database_url, *args)
    assert refused.returncode != 0 and "charset=gb18030" in refused.stderr
    read = callpulse(database_url, *args, "--encoding", "gbk")
    assert read.returncode == 0, read.stderr
    stored = pg.execute("SELECT disposition FROM calls WHERE call_id = 'imp-gb'").fetchone()
    assert stored == ("已解决",)
