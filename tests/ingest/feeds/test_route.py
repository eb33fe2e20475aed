"""`POST /v1/feeds/{name}`: keys, media types, and the answer per source record."""

import base64
import secrets
from datetime import UTC, datetime, timedelta

from app.access.keys import create_key
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from tests.factories import Tenant
from tests.monitoring.helpers import scrape, value

PLAIN = {"Content-Type": "text/plain"}
FEED_RECORDS = "callpulse_feed_records_total"


def _at(minutes_ago: int, zone: str = "+08:00") -> str:
    moment = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    if zone == "naive":
        return (moment + timedelta(hours=8)).replace(tzinfo=None).isoformat(timespec="seconds")
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _post(client, name: str, tenant: Tenant, body: str, key: str | None = None, **headers):
    return client.post(
        f"/v1/feeds/{name}", content=body.encode(), headers={**tenant.auth(key), **PLAIN, **headers}
    )


def _call_id() -> str:
    return f"fc-{secrets.token_hex(4)}"


def test_own_vendor_writes_and_a_replay_is_duplicates(client, tenant, make_feed, pg):
    name, call = make_feed(), _call_id()
    body = f"offered|{call}|Q|{_at(5, 'naive')}\nanswered|{call}|Q|{_at(4)}\n"
    first = _post(client, name, tenant, body)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    assert _post(client, name, tenant, body).json() == {
        "accepted": 0,
        "duplicates": 2,
        "rejected": [],
    }
    offered, answered = pg.execute(
        "SELECT offered_at, answered_at FROM calls WHERE call_id = %s", (call,)
    ).fetchone()
    assert answered - offered == timedelta(minutes=1)  # the naive time read at +08:00


def test_another_vendors_feed_is_not_found_and_names_no_tenant(client, tenant, make_feed):
    name = make_feed()
    other = _post(client, name, tenant, "x", key=tenant.other_key)
    missing = _post(client, f"nowhere-{secrets.token_hex(3)}", tenant, "x")
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"] == missing.json()["error"].replace(
        missing.request.url.path.rsplit("/", 1)[1], name
    )
    assert tenant.vendor not in other.text and tenant.queue not in other.text


def test_a_client_key_is_forbidden(client, tenant, make_feed):
    response = _post(client, make_feed(), tenant, "x", key=tenant.client_key)
    assert response.status_code == 403
    assert "needs a vendor key" in response.json()["error"]


def test_the_key_may_be_the_password_of_basic_auth(client, tenant, make_feed):
    name, call = make_feed(), _call_id()
    body = f"offered|{call}|Q|{_at(3)}".encode()
    for password, status in ((tenant.key, 200), ("cpk_wrong", 401)):
        basic = base64.b64encode(f"twilio:{password}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}", **PLAIN}
        response = client.post(f"/v1/feeds/{name}", content=body, headers=headers)
        assert response.status_code == status, response.text
    unreadable = {"Authorization": "Basic !!!", **PLAIN}
    assert client.post(f"/v1/feeds/{name}", content=body, headers=unreadable).status_code == 401


def test_a_media_type_the_format_does_not_read_is_415_naming_it(client, tenant, make_feed):
    response = _post(client, make_feed(), tenant, "{}", **{"Content-Type": "application/json"})
    assert response.status_code == 415
    assert "send text/plain" in response.json()["error"]


def test_unmapped_queue_and_naive_time_are_stored_with_their_line(client, tenant, make_feed, pg):
    name = make_feed(timezone=None)
    lines = [
        f"offered|{_call_id()}|Q|{_at(9)}",
        f"offered|{_call_id()}|IT|{_at(9)}",
        "",
        f"offered|{_call_id()}|Q|{_at(9, 'naive')}",
    ]
    response = _post(client, name, tenant, "\n".join(lines))
    answer = response.json()
    assert answer["accepted"] == 1
    assert [(r["index"], r["errors"][0].split(":")[0]) for r in answer["rejected"]] == [
        (2, "queue"),
        (4, "at"),
    ]
    assert "source queue 'IT' is not mapped" in answer["rejected"][0]["errors"][0]
    assert "has no UTC offset" in answer["rejected"][1]["errors"][0]
    stored = pg.execute(
        "SELECT record_index, payload, errors FROM rejected_records r JOIN vendors v"
        " ON v.id = r.vendor_id WHERE v.code = %s ORDER BY record_index",
        (tenant.vendor,),
    ).fetchall()
    assert [(index, payload) for index, payload, _ in stored] == [(2, lines[1]), (4, lines[3])]
    assert stored[0][2] == answer["rejected"][0]["errors"]
    again = _post(client, name, tenant, "\n".join(lines)).json()
    assert (again["duplicates"], len(again["rejected"])) == (1, 2)
    assert pg.execute(
        "SELECT count(*) FROM rejected_records r JOIN vendors v ON v.id = r.vendor_id"
        " WHERE v.code = %s",
        (tenant.vendor,),
    ).fetchone() == (2,)  # a replayed rejection is kept once


def test_writer_rejections_carry_the_source_line(client, tenant, pg, make_feed):
    call = _call_id()
    line = f"answered|{call}|Q|{_at(9)}"
    response = _post(client, make_feed(), tenant, f"offered|{call}|Q|{_at(5)}\n{line}\n")
    assert response.json()["accepted"] == 1
    assert [(r["index"], r["id"]) for r in response.json()["rejected"]] == [(2, call)]
    assert pg.execute(
        "SELECT payload FROM rejected_records r JOIN vendors v ON v.id = r.vendor_id"
        " WHERE v.code = %s AND record_index = 2",
        (tenant.vendor,),
    ).fetchone() == (line,)


def test_a_source_record_making_several_records_counts_once(client, tenant, make_feed, pg):
    name, call, agent = make_feed(), _call_id(), f"ag-{secrets.token_hex(3)}"
    body = f"both|{call}|Q|{_at(8)}|{_at(7)}\nlogin|{agent}|Q|{_at(8)}\n"
    assert _post(client, name, tenant, body).json() == {
        "accepted": 2,
        "duplicates": 0,
        "rejected": [],
    }
    assert _post(client, name, tenant, body).json()["duplicates"] == 2
    # One new record of a replayed line: the line is accepted.
    later = f"both|{call}|Q|{_at(8)}|{_at(6)}\n"
    assert _post(client, name, tenant, later).json()["accepted"] == 1
    # One record of the line refused: the line is rejected; the other record is written.
    fresh = _call_id()
    answer = _post(client, name, tenant, f"both|{fresh}|Q|{_at(8)}|soon").json()
    assert (answer["accepted"], answer["duplicates"]) == (0, 0)
    assert answer["rejected"] == [
        {"index": 1, "id": None, "errors": ["answered_at: 'soon' is not an ISO 8601 time"]}
    ]
    assert pg.execute(
        "SELECT answered_at IS NULL FROM calls WHERE call_id = %s", (fresh,)
    ).fetchone() == (True,)


def test_the_feeds_window_widens_the_accepted_age(client, tenant, make_feed):
    old = f"offered|{_call_id()}|Q|{_at(450 * 24 * 60)}"
    refused = _post(client, make_feed(), tenant, old).json()
    assert refused["rejected"][0]["errors"][0].startswith("at:")
    assert _post(client, make_feed(max_age_days=600), tenant, old).json()["accepted"] == 1


def test_a_webhook_format_answers_204_without_a_body(client, tenant, make_feed, pg):
    name, call = make_feed(format="test-hook"), _call_id()
    body = f"call_id={call}&queue=Q&event=offered&at={_at(1).replace('+', '%2B')}"
    response = client.post(
        f"/v1/feeds/{name}",
        content=body.encode(),
        headers={**tenant.auth(), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 204 and response.content == b""
    assert pg.execute("SELECT count(*) FROM calls WHERE call_id = %s", (call,)).fetchone() == (1,)


def test_feed_answers_are_counted_by_format_without_tenant_labels(
    client, tenant, make_feed, database
):
    with database.session_scope() as session:
        admin = create_key(session, "admin")
    name, call = make_feed(), _call_id()
    _, before = scrape(client, admin)
    body = f"both|{call}|Q|{_at(4)}|{_at(3)}\noffered|{_call_id()}|IT|{_at(3)}\n"
    assert _post(client, name, tenant, body).json()["accepted"] == 1
    assert _post(client, name, tenant, body).json()["duplicates"] == 1
    text, after = scrape(client, admin)
    for outcome, count in (("accepted", 1), ("duplicate", 1), ("rejected", 2)):
        labels = {"format": "test-lines", "outcome": outcome}
        assert value(after, FEED_RECORDS, **labels) - value(before, FEED_RECORDS, **labels) == count
    assert name not in text and tenant.vendor not in text


def test_openapi_documents_the_feed_route(client):
    operation = client.get("/openapi.json").json()["paths"]["/v1/feeds/{name}"]["post"]
    assert {"text/plain", "application/x-www-form-urlencoded"} <= set(
        operation["requestBody"]["content"]
    )
    assert operation["security"] == [{"apiKey": []}]
    assert "HTTP Basic" in operation["description"]
    documented = {int(status) for status in operation["responses"]}
    assert {200, 204, 400, 401, 403, 404, 413, 415, 429, 503} <= documented


def test_a_stored_feed_this_version_cannot_read_is_409_saying_what_to_do(
    client, tenant, database, pg
):
    """A feed stored by another CallPulse version: the operator's to correct, never a 500."""
    name = f"feed-{secrets.token_hex(4)}"
    with database.session_scope() as session:
        apply_tenancy(
            session,
            TenancyFile.model_validate(
                {"feeds": [{"name": name, "vendor": tenant.vendor, "format": "asterisk-queue-log"}]}
            ),
        )
    pg.execute(
        'UPDATE feeds SET options = \'{"colour": "red"}\' WHERE name = %s',
        [name],
    )
    options = _post(client, name, tenant, "a;b\n")
    pg.execute("UPDATE feeds SET format = 'avaya-cms' WHERE name = %s", [name])
    gone = _post(client, name, tenant, "a;b\n")
    assert (options.status_code, gone.status_code) == (409, 409)
    assert options.json()["error"] == (
        f"feed {name!r}: its stored asterisk_queue_log.colour: unknown key; correct the feed"
        " under `feeds:`"
        " and run `callpulse apply`"
    )
    assert "this CallPulse has no format 'avaya-cms'" in gone.json()["error"]
