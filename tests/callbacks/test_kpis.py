"""callbacks_requested and callback_timeliness on a day worked out by hand (helpers)."""

import pytest

from app.kpi.aggregation import drain
from app.kpi.definitions import KPIS, callback_timeliness
from app.kpi.names import kpi_name
from tests.callbacks.helpers import callback, day_of_callbacks, metrics_row, request, set_queue
from tests.factories import post


def test_the_formula_by_hand():
    # 3 of 4 due called back in time: 0.75; nothing due: no figure (None), never 0.
    assert callback_timeliness({"callbacks_on_time": 3, "callbacks_due": 4}) == 0.75
    assert callback_timeliness({"callbacks_on_time": 0, "callbacks_due": 0}) is None
    assert KPIS["callback_timeliness"].formula.startswith(
        "callback timeliness (回访及时率) = callbacks made within callback_within_min"
    )
    assert kpi_name("callback_timeliness", "zh") == "回访及时率"
    assert kpi_name("callbacks_requested", "zh") == "回访请求数"
    assert kpi_name("callback_timeliness", "en") == "Callback timeliness"


def test_the_day_by_hand(client, tenant, database, settings):
    body = post(client, "/v1/calls", day_of_callbacks(tenant.queue), tenant).json()
    assert body["rejected"] == [] and body["accepted"] == 11
    drain(database, settings)
    row = metrics_row(client, tenant, queue=tenant.queue)
    assert row["callbacks_requested"] == 4  # r1–r4
    assert row["callback_timeliness"] == pytest.approx(0.5)  # r1, r4 on time of 4 due
    assert row["abandoned"] == 1  # a1 only: a request is not an abandon
    assert row["offered"] == 2  # a1 and x1: requests are neither answered nor abandoned


def test_a_shorter_window_makes_r4_late(client, tenant, database, settings):
    # callback_within_min 15: r1 due by 09:16 (called 09:30: late), r4 by 09:56 (10:00: late)
    set_queue(database, tenant, callback_within_min=15)
    post(client, "/v1/calls", day_of_callbacks(tenant.queue), tenant)
    drain(database, settings)
    assert metrics_row(client, tenant, queue=tenant.queue)["callback_timeliness"] == 0


def test_the_vendor_of_the_request_is_scored(client, tenant, database, settings):
    # On the shared queue the other vendor's request is called back by ours: the figure is
    # its own (1 due, 1 on time); ours has no requests, so no figure.
    shared = tenant.shared_queue
    post(client, "/v1/calls", [request("w1", shared, "09:00")], tenant, key=tenant.other_key)
    post(client, "/v1/calls", [callback("wb1", shared, "09:20", "w1")], tenant)
    drain(database, settings)
    mine = client.get(
        "/v1/metrics",
        params={"queue": shared, "from": "2026-11-20", "to": "2026-11-21", "granularity": "day"},
        headers=tenant.auth(),
    ).json()["series"][0]
    assert mine["callbacks_requested"] == 0 and mine["callback_timeliness"] is None
    theirs = client.get(
        "/v1/metrics",
        params={"queue": shared, "from": "2026-11-20", "to": "2026-11-21", "granularity": "day"},
        headers=tenant.auth(tenant.other_key),
    ).json()["series"][0]
    assert theirs["callbacks_requested"] == 1 and theirs["callback_timeliness"] == 1
