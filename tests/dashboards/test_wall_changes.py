"""`/wall/_changes` answers with the new tiles when the data of the viewer's clients changed,
and the board shows them without waiting for its tick (issue 15 item 6)."""

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta

import httpx

from app.access.keys import Principal
from app.access.users import create_share_link, revoke_share_link
from app.core.change_clock import ChangeClock
from dashboards import wall_changes
from dashboards.wall_changes import ChangeFeed, Pushes, stream_changes
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


def stream(http: httpx.Client, lines: list[dict], **params) -> threading.Thread:
    """Follow `/wall/_changes` in the background, its lines into `lines`, until the first
    line with tiles or the stream's end."""

    def follow() -> None:
        with http.stream("GET", "/wall/_changes", params=params) as answer:
            assert answer.headers["content-type"] == "application/x-ndjson"
            for line in answer.iter_lines():
                lines.append(json.loads(line))
                if "tiles" in lines[-1]:
                    return

    thread = threading.Thread(target=follow)
    thread.start()
    return thread


def test_the_stream_carries_the_tiles_when_its_clients_data_changed(
    live_server, client, database, tenant
):
    http = viewer(database, live_server, tenant, f"stream-{tenant.client}")
    first: list[dict] = []
    stream(http, first, wait=0.01).join()
    seen = first[0]["version"]
    # another client's change sends nothing: the stream says where it starts, and ends
    lines: list[dict] = []
    follower = stream(http, lines, since=seen, wait=1)
    foreign = [waiting("x1", tenant.foreign_queue)]  # served by the same vendor
    assert post(client, "/v1/calls", foreign, tenant).status_code == 200
    follower.join()
    assert lines == [{"version": seen}]
    # its own client's change sends the tiles of the board's own settings
    lines.clear()
    follower = stream(http, lines, since=seen, wait=20, queues=tenant.queue, lang="zh")
    assert post(client, "/v1/calls", [waiting("c1", tenant.queue)], tenant).status_code == 200
    follower.join()
    start, pushed = lines
    assert start == {"version": seen} and pushed["version"] > seen
    (tile,) = pushed["tiles"]
    assert tile["id"] == f"tile-{tenant.queue}"
    waiting_now = next(m for m in tile["big"] if m["id"] == f"waiting-{tenant.queue}")
    assert (waiting_now["label"], waiting_now["text"]) == ("排队数", "1")


def test_screens_of_one_board_share_one_drawing_per_version():
    drawn = []

    def tiles(principal: Principal, search: str) -> list:
        drawn.append(search)
        return [{"id": "tile-q1", "search": search}]

    timed: list[int | None] = []
    pushes = Pushes(tiles, lambda client, seconds: timed.append(client))
    viewer = Principal(key_id=1, kind="client", client_id=1)
    other_key = Principal(key_id=2, kind="client", client_id=1)  # same rights: same line

    async def screens() -> list[bytes]:
        return await asyncio.gather(
            *(pushes.line(p, "?lang=zh", 7) for p in (viewer, other_key, viewer)),
            pushes.line(viewer, "?lang=en", 7),
        )

    zh, zh_again, zh_third, en = run_apart(screens())
    assert zh == zh_again == zh_third != en
    assert json.loads(zh) == {"version": 7, "tiles": [{"id": "tile-q1", "search": "?lang=zh"}]}
    assert sorted(drawn) == ["?lang=en", "?lang=zh"]
    assert timed == [1, 1]  # each drawing's time paces its client's next (ChangeClock.drawn)


def test_the_stream_needs_a_viewer(live_server):
    answer = httpx.get(f"{live_server}/wall/_changes", params={"since": 0})
    assert answer.status_code == 302 and answer.headers["location"].startswith("/login")


def test_the_board_shows_new_data_before_its_tick(page, live_server, client, database, tenant):
    with database.session_scope() as session:
        token = create_share_link(session, f"redraw-{tenant.client}", tenant.client)
    page.goto(f"{live_server}/wall/?token={token}", wait_until="load")
    page.locator(f"#waiting-{tenant.queue}").wait_for(timeout=15_000)

    tiles = page.locator("#tiles")
    before = tiles.get_attribute("data-version")
    assert post(client, "/v1/calls", [waiting("r1", tenant.queue)], tenant).status_code == 200
    page.wait_for_function(  # the tiles came with the stream's line, and show the call
        "([before, id]) => document.getElementById('tiles').dataset.version !== before"
        " && document.getElementById(id).innerText === '1'",
        arg=[before, f"waiting-{tenant.queue}"],
        timeout=5_000,
    )


def test_the_board_opens_its_stream_again_and_a_revoked_link_gets_no_more(
    page, live_server, client, database, tenant, monkeypatch
):
    monkeypatch.setattr(wall_changes, "STREAM_S", 1.0)  # each stream ends after a second
    name = f"reopen-{tenant.client}"
    with database.session_scope() as session:
        token = create_share_link(session, name, tenant.client)

    def stream_of(status: int):
        return lambda r: "/wall/_changes" in r.url and r.status == status

    page.goto(f"{live_server}/wall/?token={token}", wait_until="load")
    page.locator(f"#waiting-{tenant.queue}").wait_for(timeout=15_000)
    for _ in range(2):  # it ended, and the board opened the next one
        with page.expect_response(stream_of(200), timeout=10_000):
            pass
    before = page.locator("#tiles").get_attribute("data-version")
    assert post(client, "/v1/calls", [waiting("o1", tenant.queue)], tenant).status_code == 200
    page.wait_for_function(  # the tiles still come with a stream's line
        "([before, id]) => document.getElementById('tiles').dataset.version !== before"
        " && document.getElementById(id).innerText === '1'",
        arg=[before, f"waiting-{tenant.queue}"],
        timeout=5_000,
    )
    with database.session_scope() as session:
        revoke_share_link(session, name)
    with page.expect_response(stream_of(403), timeout=10_000):  # checked again at its next
        pass


def test_a_screen_that_went_away_ends_its_stream_and_gets_no_tiles():
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
    feed = ChangeFeed(versions, Pushes(never, versions.drawn))
    run_apart(asyncio.wait_for(stream_changes(receive, send, feed, viewer, query), 5))
    start, first = sent
    assert start["status"] == 200 and first["body"] == b'{"version":0}\n'
