"""`/wall/_changes` answers with the new tiles when the data of the viewer's clients changed,
and the board shows them without waiting for its tick (issue 15 item 6)."""

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta

import httpx

from app.access.keys import Principal
from app.access.users import create_share_link
from app.core.change_clock import ChangeClock
from dashboards.wall_changes import ChangeFeed, answer_changes
from tests.apart import run_apart
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


def poll(http: httpx.Client, answers: list[dict], **params) -> threading.Thread:
    """Start a long poll in the background; its answer goes to `answers`."""
    thread = threading.Thread(
        target=lambda: answers.append(http.get("/wall/_changes", params=params).json())
    )
    thread.start()
    return thread


def test_a_long_poll_answers_with_the_tiles_when_its_clients_data_changed(
    live_server, client, database, tenant
):
    http = viewer(database, live_server, tenant, f"poll-{tenant.client}")
    seen = http.get("/wall/_changes").json()["version"]
    answers: list[dict] = []
    # another client's change does not answer the poll: it waits its whole second
    waiter = poll(http, answers, since=seen, wait=1)
    foreign = [waiting("x1", tenant.foreign_queue)]  # served by the same vendor
    assert post(client, "/v1/calls", foreign, tenant).status_code == 200
    waiter.join()
    assert answers == [{"version": seen}]
    # its own client's change answers it, with the tiles of the board's own settings
    waiter = poll(http, answers, since=seen, wait=20, queues=tenant.queue, lang="zh")
    assert post(client, "/v1/calls", [waiting("c1", tenant.queue)], tenant).status_code == 200
    waiter.join()
    assert answers[1]["version"] > seen
    (tile,) = answers[1]["tiles"]
    assert tile["id"] == f"tile-{tenant.queue}"
    waiting_now = next(m for m in tile["big"] if m["id"] == f"waiting-{tenant.queue}")
    assert (waiting_now["label"], waiting_now["text"]) == ("排队数", "1")


def test_a_long_poll_needs_a_viewer(live_server):
    answer = httpx.get(f"{live_server}/wall/_changes", params={"since": 0})
    assert answer.status_code == 302 and answer.headers["location"].startswith("/login")


def test_the_board_shows_new_data_before_its_tick(page, live_server, client, database, tenant):
    with database.session_scope() as session:
        token = create_share_link(session, f"redraw-{tenant.client}", tenant.client)
    page.goto(f"{live_server}/wall/?token={token}", wait_until="load")
    page.locator(f"#waiting-{tenant.queue}").wait_for(timeout=15_000)

    def with_tiles(response) -> bool:
        """Say whether a response is the long poll's, carrying tiles."""
        return "/wall/_changes" in response.url and "tiles" in json.loads(response.body())

    with page.expect_response(with_tiles, timeout=10_000):
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

    def never(principal: Principal, search: str) -> list:
        raise AssertionError("no tiles are drawn for a screen that went away")

    viewer = Principal(key_id=1, kind="client", client_id=1)
    query = {"since": ["0"], "wait": ["20"]}
    feed = ChangeFeed(versions, never)
    run_apart(asyncio.wait_for(answer_changes(receive, send, feed, viewer, query), 5))
    assert sent == []
