"""`/wall/_changes` answers when the data of the viewer's clients changed, and the board
redraws on it without waiting for its tick (issue 15 item 6)."""

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta

import httpx

from app.access.keys import Principal
from app.access.users import create_share_link
from app.core.change_clock import ChangeClock
from dashboards.wall_changes import answer_changes
from tests.factories import post


def viewer(database, live_server: str, tenant, name: str) -> httpx.Client:
    """An HTTP client holding a share link's cookie for the tenant's client board."""
    with database.session_scope() as session:
        token = create_share_link(session, name, tenant.client)
    http = httpx.Client(base_url=live_server, timeout=30, follow_redirects=True)
    assert http.get(f"/wall/?token={token}").status_code == 200  # sets the cookie
    return http


def waiting(call_id: str, queue: str) -> dict:
    """A call offered a second ago, still waiting."""
    offered = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    return {"call_id": call_id, "queue": queue, "offered_at": offered}


def test_a_long_poll_answers_when_its_clients_data_changed_and_not_for_another_client(
    live_server, client, database, tenant
):
    http = viewer(database, live_server, tenant, f"poll-{tenant.client}")
    seen = http.get("/wall/_changes").json()["version"]
    # another client's change does not answer the poll: it waits its whole second
    answers: list[int] = []
    poll = threading.Thread(
        target=lambda: answers.append(
            http.get("/wall/_changes", params={"since": seen, "wait": 1}).json()["version"]
        )
    )
    poll.start()
    foreign = [waiting("x1", tenant.foreign_queue)]  # served by the same vendor
    assert post(client, "/v1/calls", foreign, tenant).status_code == 200
    poll.join()
    assert answers == [seen]
    # its own client's change answers it
    poll = threading.Thread(
        target=lambda: answers.append(
            http.get("/wall/_changes", params={"since": seen, "wait": 20}).json()["version"]
        )
    )
    poll.start()
    assert post(client, "/v1/calls", [waiting("c1", tenant.queue)], tenant).status_code == 200
    poll.join()
    assert answers[1] > seen


def test_a_long_poll_needs_a_viewer(live_server):
    answer = httpx.get(f"{live_server}/wall/_changes", params={"since": 0})
    assert answer.status_code == 302 and answer.headers["location"].startswith("/login")


def test_the_board_redraws_when_its_data_changed(page, live_server, client, database, tenant):
    with database.session_scope() as session:
        token = create_share_link(session, f"redraw-{tenant.client}", tenant.client)
    page.goto(f"{live_server}/wall/?token={token}", wait_until="load")
    page.locator(f"#tile-{tenant.queue}").wait_for(timeout=15_000)

    def redraw_for_a_change(request) -> bool:
        """Say whether a request is the board's refresh triggered by `changed` (wall.js)."""
        if "_dash-update-component" not in request.url:
            return False
        return "changed.data" in json.loads(request.post_data or "{}").get("changedPropIds", [])

    with page.expect_request(redraw_for_a_change, timeout=10_000):
        assert post(client, "/v1/calls", [waiting("r1", tenant.queue)], tenant).status_code == 200
    page.wait_for_function(
        f"() => document.querySelector('#waiting-{tenant.queue}').innerText === '1'",
        timeout=5_000,
    )


def test_a_screen_that_went_away_stops_its_wait_and_gets_no_answer():
    versions, sent = ChangeClock(), []
    messages = iter([{"type": "http.request", "body": b""}, {"type": "http.disconnect"}])

    async def receive() -> dict:
        message = next(messages)
        if message["type"] == "http.disconnect":
            await asyncio.sleep(0.05)
        return message

    async def send(message: dict) -> None:
        sent.append(message)

    viewer = Principal(key_id=1, kind="client", client_id=1)
    query = {"since": ["0"], "wait": ["20"]}
    asyncio.run(asyncio.wait_for(answer_changes(receive, send, versions, viewer, query), 5))
    assert sent == []
