"""The live view's pending callbacks per queue: requested, not called back, overdue, oldest."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import post


def near_now(tenant, key=None) -> list[dict]:
    """Three requests by hand (callback_within_min 60):

    late  left 89 min ago, never called back → pending, overdue (age 89 min)
    fresh left  9 min ago, never called back → pending, not overdue yet
    done  left 29 min ago, called back 20 min ago → not pending
    """
    now = datetime.now(UTC)

    def request(call_id: str, left_min: int) -> dict:
        ended = now - timedelta(minutes=left_min)
        return {
            "call_id": call_id,
            "queue": tenant.queue,
            "offered_at": (ended - timedelta(minutes=1)).isoformat(),
            "ended_at": ended.isoformat(),
            "exit_reason": "callback",
        }

    dialled = now - timedelta(minutes=20)
    back = {
        "call_id": "done-back",
        "queue": tenant.queue,
        "direction": "outbound",
        "offered_at": dialled.isoformat(),
        "ended_at": (dialled + timedelta(minutes=2)).isoformat(),
        "callback_of": "done",
    }
    return [request("late", 89), request("fresh", 9), request("done", 29), back]


def test_pending_overdue_and_the_oldest(client, tenant):
    assert post(client, "/v1/calls", near_now(tenant), tenant).json()["accepted"] == 4
    r = client.get(f"/v1/queues/{tenant.queue}/live", headers=tenant.auth(tenant.client_key))
    assert r.status_code == 200, r.text
    callbacks = r.json()["callbacks"]
    assert (callbacks["pending"], callbacks["overdue"]) == (2, 1)
    assert callbacks["oldest_pending_s"] == pytest.approx(89 * 60, abs=30)


def test_a_vendor_sees_its_own_requests_only(client, tenant):
    # On the shared queue the other vendor's request is not ours to call back.
    record = near_now(tenant)[0] | {"queue": tenant.shared_queue}
    post(client, "/v1/calls", [record], tenant, key=tenant.other_key)
    mine = client.get(f"/v1/queues/{tenant.shared_queue}/live", headers=tenant.auth()).json()
    assert mine["callbacks"] == {"pending": 0, "overdue": 0, "oldest_pending_s": None}
    theirs = client.get(
        f"/v1/queues/{tenant.shared_queue}/live", headers=tenant.auth(tenant.other_key)
    ).json()
    assert (theirs["callbacks"]["pending"], theirs["callbacks"]["overdue"]) == (1, 1)
