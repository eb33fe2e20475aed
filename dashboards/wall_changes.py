"""`/wall/_changes`: a long poll that answers with the new tiles when the data of a
viewer's clients changed.

`wall.js` asks with the last version it saw and its board's settings (its URL's query); the
answer comes as soon as a newer version is told (`app.core.change_clock`, at most one per
gap per client), with the tiles drawn from the new data, or after `WAIT_S` with none. The
tiles come from the live state and drawing every screen of the scope shares, so a screen
costs the server one small answer per change, not a refresh. Served by the guard, after it
verified the viewer; the wait is on the event loop, so a waiting screen holds no thread.
"""

import asyncio
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool

from app.access.keys import Principal
from app.core.change_clock import ChangeClock

PATH = "/_changes"
WAIT_S = 25.0  # under the idle timeouts of common proxies and load balancers (30–60 s)

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Tiles = Callable[[Principal, str], list[dict[str, Any]]]  # viewer, board's query → tiles


@dataclass(frozen=True)
class ChangeFeed:
    """What answers the long poll: the versions heard, and the tiles of a board."""

    versions: ChangeClock
    tiles: Tiles


async def answer_changes(
    receive: Receive,
    send: Send,
    feed: ChangeFeed,
    principal: Principal,
    query: dict[str, list[str]],
) -> None:
    """Answer `{"version": v}` at once without `since`; else `{"version": v, "tiles": [...]}`
    once v > `since`, or `{"version": since}` after `wait` seconds (at most and by default
    WAIT_S); nothing when the screen went away meanwhile."""
    since = _since(query)
    answer: dict[str, Any]
    if since is None:
        answer = {"version": feed.versions.version(principal.client_id)}
    else:
        newer = asyncio.ensure_future(feed.versions.newer(principal.client_id, since, _wait(query)))
        gone = asyncio.ensure_future(_disconnected(receive))
        await asyncio.wait({newer, gone}, return_when=asyncio.FIRST_COMPLETED)
        for task in (newer, gone):
            task.cancel()
        if not newer.done() or newer.cancelled():
            return
        answer = {"version": newer.result()}
        if answer["version"] > since:
            answer["tiles"] = await run_in_threadpool(feed.tiles, principal, _board(query))
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": orjson.dumps(answer)})


async def _disconnected(receive: Receive) -> None:
    """Return when the client closed the connection."""
    while (await receive())["type"] != "http.disconnect":
        pass


def _board(query: dict[str, list[str]]) -> str:
    """Return the query as the board's settings (`wall_url.from_search` reads only its own
    parameters, so the poll's `since` and `wait` pass unread)."""
    return "?" + urllib.parse.urlencode(query, doseq=True)


def _since(query: dict[str, list[str]]) -> int | None:
    """Return the version the screen has seen (None when it has seen none or sent nonsense)."""
    try:
        since = int((query.get("since") or [""])[0])
    except ValueError:
        return None
    return since if since >= 0 else None


def _wait(query: dict[str, list[str]]) -> float:
    """Return how long to wait for a change: the `wait` asked for, within (0, WAIT_S]."""
    try:
        wait = float((query.get("wait") or [""])[0])
    except ValueError:
        return WAIT_S
    return min(wait, WAIT_S) if wait > 0 else WAIT_S
