"""`/v1/queues/{code}/live` feeds count today's rejections per vendor, as the key may see them."""

from datetime import UTC, datetime, timedelta

from app.access.keys import create_key
from tests.rejects.helpers import seed


def feeds(client, tenant, queue: str, key: str) -> list[tuple[str, int, int]]:
    response = client.get(f"/v1/queues/{queue}/live", headers=tenant.auth(key))
    assert response.status_code == 200, response.text
    return [
        (f["vendor"], f["rejected_today"], f["rejected_today_no_client"])
        for f in response.json()["feeds"]
    ]


def test_each_feed_counts_its_vendors_rejections_of_the_clients_day(client, database, pg, tenant):
    now = datetime.now(UTC).isoformat()
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    seed(
        pg,
        tenant,
        {
            "t1": ("v", "c", "calls", now, ["e"], "1"),
            "t2": ("v", "c", "tickets", now, ["e"], "2"),
            "t3": ("v", None, "calls", now, ["e"], "3"),  # no client: the vendor's alone
            "t4": ("v", "d", "calls", now, ["e"], "4"),  # another client's
            "t5": ("v", "c", "calls", two_days_ago, ["e"], "5"),  # not today
            "t6": ("w", "c", "calls", now, ["e"], "6"),
        },
    )
    with database.session_scope() as session:
        admin = create_key(session, "admin")
    v, w = tenant.vendor, tenant.other_vendor
    assert feeds(client, tenant, tenant.queue, tenant.key) == [(v, 3, 1)]
    assert feeds(client, tenant, tenant.queue, tenant.client_key) == [(v, 2, 0)]
    assert feeds(client, tenant, tenant.shared_queue, admin) == [(v, 3, 1), (w, 1, 0)]
    assert feeds(client, tenant, tenant.shared_queue, tenant.other_key) == [(w, 1, 0)]
    assert feeds(client, tenant, tenant.foreign_queue, tenant.key) == [(v, 2, 1)]  # t4 and t3
    assert feeds(client, tenant, tenant.other_queue, tenant.client_key) == [(w, 1, 0)]
