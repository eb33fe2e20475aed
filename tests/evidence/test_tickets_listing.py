"""`GET /v1/tickets` by hand: response and resolution verdicts, open, channel, paging."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.evidence.helpers import DAY
from tests.evidence.helpers import listed as listing
from tests.factories import post

BASE = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def ticket(ticket_id, queue, offset, channel, response=None, resolution=None, **extra):
    created = BASE + timedelta(seconds=offset)
    record = {
        "ticket_id": ticket_id,
        "queue": queue,
        "channel": channel,
        "created_at": created.isoformat(),
        **extra,
    }
    if response is not None:
        record["first_response_at"] = (created + timedelta(seconds=response)).isoformat()
    if resolution is not None:
        record["resolved_at"] = (created + timedelta(seconds=resolution)).isoformat()
    return record


# Default targets: chat 60 s / 1 h, email 4 h / 24 h (app.kpi.sources.TICKET_TARGETS).
TICKETS = [
    ("t1", 0, "chat", 30, 1800),  # both met, resolved
    ("t2", 60, "chat", 120, None),  # response late, open: both missed
    ("t3", 120, "email", None, None),  # no response yet: missed (the SLA counts it)
    ("t4", 180, "email", 3600, 25 * 3600),  # response met, resolution late
]
FRT = {"t1": True, "t2": False, "t3": False, "t4": True}
RESOLUTION = {"t1": True, "t2": False, "t3": False, "t4": False}


@pytest.fixture
def loaded(client, tenant):
    records = [ticket(i, tenant.queue, *rest, agent="ann") for i, *rest in TICKETS]
    assert post(client, "/v1/tickets", records, tenant).json()["accepted"] == len(records)
    return tenant


def listed(client, tenant, **params):
    return listing(client, tenant, path="/v1/tickets", **params)


def test_each_ticket_with_its_verdicts(client, loaded):
    body = listed(client, loaded)
    assert body["next_cursor"] is None
    rows = {r["ticket_id"]: r for r in body["tickets"]}
    assert {k: r["frt_met"] for k, r in rows.items()} == FRT
    assert {k: r["resolution_met"] for k, r in rows.items()} == RESOLUTION
    assert {k: r["open"] for k, r in rows.items()} == {
        "t1": False,
        "t2": True,
        "t3": True,
        "t4": False,
    }
    t1 = rows["t1"]
    assert t1["created_at"] == "2026-11-20T10:00:00+08:00"
    assert (t1["frt_s"], t1["resolution_s"]) == (30.0, 1800.0)
    assert (t1["frt_target_s"], t1["resolution_target_s"]) == (60, 3600)
    assert (t1["agent"], t1["vendor"], t1["channel"]) == ("ann", loaded.vendor, "chat")


def test_filters(client, loaded):
    def ids(**params):
        return sorted(r["ticket_id"] for r in listed(client, loaded, **params)["tickets"])

    assert ids(frt="met") == ["t1", "t4"]
    assert ids(frt="missed") == ["t2", "t3"]
    assert ids(resolution="met") == ["t1"]
    assert ids(open="true") == ["t2", "t3"]
    assert ids(channel="email", open="false") == ["t4"]
    assert ids(agent="ann") == ["t1", "t2", "t3", "t4"]


def test_pages_joined_equal_one_big_page(client, loaded):
    whole = listed(client, loaded)["tickets"]
    first = listed(client, loaded, limit=3)
    second = listed(client, loaded, limit=3, cursor=first["next_cursor"])
    assert first["tickets"] + second["tickets"] == whole
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"channel": "fax"}, "channel"),
        ({"frt": "soon"}, "frt"),
        ({"resolution": "x"}, "resolution"),
    ],
)
def test_bad_input_is_400_naming_the_parameter(client, tenant, params, named):
    response = client.get(
        "/v1/tickets",
        params={"queue": tenant.queue, **DAY, **params},
        headers=tenant.auth(tenant.client_key),
    )
    assert response.status_code == 400 and response.json()["error"].startswith(f"{named}:")
