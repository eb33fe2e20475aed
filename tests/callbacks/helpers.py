"""A day of callback requests and callbacks, worked out by hand, and reading them back."""

from datetime import datetime, timedelta
from typing import Any

from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.db import Database

DAY = "2026-11-20T{}+08:00"  # the tenant's client counts days in Asia/Shanghai


def at(hms: str) -> str:
    """Return the test day's moment `hh:mm` (or `hh:mm:ss`) as RFC 3339."""
    return DAY.format(hms if hms.count(":") == 2 else hms + ":00")


def request(call_id: str, queue: str, offered: str, waited_s: int = 60) -> dict[str, Any]:
    """An inbound call whose caller left a number after `waited_s` (exit_reason callback)."""
    end = datetime.fromisoformat(at(offered)) + timedelta(seconds=waited_s)
    return {
        "call_id": call_id,
        "queue": queue,
        "offered_at": at(offered),
        "ended_at": end.isoformat(),
        "exit_reason": "callback",
    }


def callback(call_id: str, queue: str, dialled: str, of: str, talk_s: int = 90) -> dict[str, Any]:
    """An outbound call dialled at `dialled`, answered at once, returning request `of`."""
    start = datetime.fromisoformat(at(dialled))
    return {
        "call_id": call_id,
        "queue": queue,
        "direction": "outbound",
        "offered_at": start.isoformat(),
        "answered_at": start.isoformat(),
        "ended_at": (start + timedelta(seconds=talk_s)).isoformat(),
        "callback_of": of,
    }


def day_of_callbacks(queue: str) -> list[dict[str, Any]]:
    """The day, callback_within_min 60 (the default). By hand:

    r1 09:00, left 09:01, due by 10:01; called back 09:30           → due, on time
    r2 09:10, left 09:11, due by 10:11; called back 10:30           → due, late
    r3 09:20, left 09:21, due by 10:21; never called back (past)    → due, missed
    r4 09:40, left 09:41, due by 10:41; called back 10:00 and 11:00 → the first counts: on time
    a1 09:50 abandoned (no reason): not a request; x1 answered, and b5 "returns" it: no request.
    callbacks_requested 4; callbacks due 4, on time 2 → callback_timeliness 2 / 4 = 0.5.
    """
    return [
        request("r1", queue, "09:00"),
        request("r2", queue, "09:10"),
        request("r3", queue, "09:20"),
        request("r4", queue, "09:40"),
        {"call_id": "a1", "queue": queue, "offered_at": at("09:50"), "ended_at": at("09:51")},
        {
            "call_id": "x1",
            "queue": queue,
            "offered_at": at("09:55"),
            "answered_at": at("09:55:10"),
            "ended_at": at("09:58"),
        },
        callback("b1", queue, "09:30", "r1"),
        callback("b2", queue, "10:30", "r2"),
        callback("b4a", queue, "10:00", "r4"),
        callback("b4b", queue, "11:00", "r4"),
        callback("b5", queue, "10:05", "x1"),
    ]


def metrics_row(http, tenant, **params) -> dict[str, Any]:
    """Return the one day row of /v1/metrics for the test day (the client's key)."""
    params = {"from": "2026-11-20", "to": "2026-11-21", "granularity": "day", **params}
    response = http.get("/v1/metrics", params=params, headers=tenant.auth(tenant.client_key))
    assert response.status_code == 200, response.text
    [row] = response.json()["series"]
    return row


def set_queue(database: Database, tenant, **settings: Any) -> None:
    """Apply the tenant's own queue again with `settings` (e.g. callback_within_min)."""
    entry = {"code": tenant.queue, "client": tenant.client, "vendors": [tenant.vendor], **settings}
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate({"queues": [entry]}))
