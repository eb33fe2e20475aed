"""`/wall/_changes`: a long poll that answers when the data of a viewer's clients changed.

`wall.js` asks with the last version it saw; the answer comes as soon as a newer one is
heard (`app.core.change_clock`), or after `WAIT_S` with the same one. Served by the guard,
after it verified the viewer, on the event loop: a waiting screen holds no thread.
"""

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from app.access.keys import Principal
from app.core.change_clock import ChangeClock

PATH = "/_changes"
WAIT_S = 25.0  # under the idle timeouts of common proxies and load balancers (30–60 s)

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]


async def answer_changes(
    receive: Receive,
    send: Send,
    versions: ChangeClock,
    principal: Principal,
    query: dict[str, list[str]],
) -> None:
    """Answer `{"version": v}` once v > `since` (at once without `since`), else after `wait`
    seconds (at most and by default WAIT_S); stop waiting when the screen went away."""
    since = _since(query)
    if since is None:
        version = versions.version(principal.client_id)
    else:
        newer = asyncio.ensure_future(versions.newer(principal.client_id, since, _wait(query)))
        gone = asyncio.ensure_future(_disconnected(receive))
        await asyncio.wait({newer, gone}, return_when=asyncio.FIRST_COMPLETED)
        for task in (newer, gone):
            task.cancel()
        if not newer.done() or newer.cancelled():
            return
        version = newer.result()
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
    await send({"type": "http.response.body", "body": orjson.dumps({"version": version})})


async def _disconnected(receive: Receive) -> None:
    """Return when the client closed the connection."""
    while (await receive())["type"] != "http.disconnect":
        pass


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
