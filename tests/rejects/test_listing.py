"""`GET /v1/rejected`: who sees which rejections, each filter, and the rows' shape."""

from app.access.keys import Principal
from app.rejects.repository import Reach
from app.rejects.service import reach_of
from tests.rejects.helpers import Seeded


def listed(client, seeded: Seeded, key: str, **params):
    """GET /v1/rejected with a key and filters."""
    return client.get("/v1/rejected", params=params, headers=seeded.tenant.auth(key))


def names(client, seeded: Seeded, key: str, **params) -> list[str]:
    """Return the seeded names a key lists with these filters, in the order answered
    (rows of other tests, which an admin key sees too, are left out)."""
    response = listed(client, seeded, key, limit=1000, **params)
    assert response.status_code == 200, response.text
    by_id = {i: n for n, i in seeded.ids.items()}
    return [by_id[row["id"]] for row in response.json()["rejected"] if row["id"] in by_id]


NEWEST_FIRST = ["r5", "r4", "r3", "r2", "r6", "r1"]  # r6 and r1 share a time: id decides


def test_each_key_sees_its_own_and_no_other_tenants(client, seeded):
    t = seeded.tenant
    vendor = ["r3", "r2", "r6", "r1"]  # its own, whatever the client, and those with none
    assert names(client, seeded, t.key) == vendor
    assert names(client, seeded, t.other_key) == ["r5", "r4"]
    assert names(client, seeded, t.client_key) == ["r4", "r6", "r1"]  # attributed to it, any vendor
    assert names(client, seeded, seeded.vendor_supervisor_key) == vendor
    for everything in (seeded.admin_key, seeded.supervisor_key):
        seeded_days = {"from": "2026-11-20", "to": "2026-11-23"}  # not today's rejections
        assert names(client, seeded, everything, **seeded_days) == NEWEST_FIRST
        assert names(client, seeded, everything, vendor=t.other_vendor) == ["r5", "r4"]


def test_filters_narrow_the_list(client, seeded):
    t = seeded.tenant
    assert names(client, seeded, t.key, kind="tickets") == ["r3"]
    assert names(client, seeded, t.key, error="UNKNOWN QUEUE") == ["r2"]  # any case, any message
    assert names(client, seeded, t.other_key, error="at: Y") == ["r4"]  # the second message
    assert names(client, seeded, t.key, error="no such words") == []
    # a vendor key's dates are UTC midnights; RFC 3339 is exact, `to` exclusive
    assert names(client, seeded, t.key, **{"from": "2026-11-21"}) == ["r3"]
    assert names(client, seeded, t.key, to="2026-11-20T02:00:00Z") == ["r6", "r1"]
    assert names(
        client, seeded, t.key, **{"from": "2026-11-20T01:00:00Z", "to": "2026-11-20T01:00:01Z"}
    )
    # a client key's dates are its own midnights: 2026-11-21 in Shanghai is 11-20T16:00Z
    assert names(client, seeded, t.client_key, **{"from": "2026-11-21"}) == ["r4"]
    assert names(client, seeded, t.client_key, to="2026-11-21") == ["r6", "r1"]
    assert names(client, seeded, t.client_key, vendor=t.other_vendor) == ["r4"]
    assert names(client, seeded, t.client_key, vendor=t.vendor, kind="calls") == ["r6", "r1"]
    assert names(
        client, seeded, seeded.admin_key, vendor=t.vendor, kind="calls", error="offset"
    ) == ["r1"]


def test_a_vendor_the_key_may_not_see_is_404_and_an_unknown_one_to_an_admin_400(client, seeded):
    t = seeded.tenant
    for key, vendor in (
        (t.key, t.other_vendor),  # another vendor, even one serving the same client
        (t.key, "no-such-vendor"),
        (t.client_key, "no-such-vendor"),
        (seeded.vendor_supervisor_key, t.other_vendor),
    ):
        response = listed(client, seeded, key, vendor=vendor)
        assert response.status_code == 404, (vendor, response.text)
        assert response.json()["error"].startswith("vendor:")
    unknown = listed(client, seeded, seeded.admin_key, vendor="no-such-vendor")
    assert unknown.status_code == 400 and unknown.json()["error"].startswith("vendor:")


def test_rows_carry_their_client_time_vendor_kind_errors_and_payload(client, seeded):
    t = seeded.tenant
    rows = {r["id"]: r for r in listed(client, seeded, t.key).json()["rejected"]}
    assert rows[seeded.ids["r1"]] == {
        "id": seeded.ids["r1"],
        "received_at": "2026-11-20T09:00:00+08:00",
        "timezone": "Asia/Shanghai",
        "vendor": t.vendor,
        "client": t.client,
        "feed": None,
        "kind": "calls",
        "record_index": 1,
        "record_key": "key-r1",
        "errors": ["offered_at: needs a UTC offset"],
        "payload": "a",
    }
    no_client = rows[seeded.ids["r2"]]
    assert (no_client["received_at"], no_client["timezone"], no_client["client"]) == (
        "2026-11-20T02:00:00+00:00",
        "UTC",
        None,
    )
    berlin = rows[seeded.ids["r3"]]
    assert (berlin["received_at"], berlin["timezone"]) == (
        "2026-11-21T01:00:00+01:00",
        "Europe/Berlin",
    )


def test_only_api_keys_of_the_four_kinds_read_rejections():
    assert reach_of(Principal(1, "share", client_id=7)) == Reach()  # wallboard links: nothing
    assert reach_of(Principal(1, "client", client_id=7)) == Reach(client_id=7)
    assert reach_of(Principal(1, "supervisor", vendor_id=3)) == Reach(vendor_id=3)
    assert reach_of(Principal(1, "supervisor")) == Reach(everything=True)


def test_without_a_key_it_is_401(client):
    assert client.get("/v1/rejected").status_code == 401
    assert client.get("/v1/rejected.csv").status_code == 401
