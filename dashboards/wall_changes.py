"""`/wall/_changes`: a stream that carries the new tiles each time the data of a viewer's
clients changed.

`wall.js` opens it with the last version it saw and its board's settings (its URL's query).
The answer is a stream of JSON lines (`application/x-ndjson`): first `{"version": v}`, then
`{"version": v, "tiles": [...]}` each time a newer version is told (`app.core.change_clock`,
at most one per gap per client); it ends after `STREAM_S` and the screen opens the next one,
so the viewer is verified again (a revoked link stops within that time). One stream per
screen, verified once by the guard, rather than one request per change: a change costs each
screen one line written on the event loop, and the line is drawn and serialised once per
version for every screen of the same board (`Pushes`), from the live state they all share.
The wait holds no thread.
"""

import asyncio
import logging
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool

from app.access.keys import Principal
from app.core.change_clock import ChangeClock
from dashboards.data import rights

PATH = "/_changes"
STREAM_S = 25.0  # under the idle timeouts of common proxies and load balancers (30–60 s)
BOARDS = 256  # the boards whose latest line is kept (each a few kB to ~100 kB)

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Tiles = Callable[[Principal, str], list[dict[str, Any]]]  # viewer, board's query → tiles
Board = tuple[str, int | None, int | None, str]  # the viewer's rights and the board's query

log = logging.getLogger(__name__)


@dataclass
class Pushes:
    """The line every screen of one board gets at one version, drawn once for all of them.

    Screens of a client are told of a change together, so they ask for the same line at the
    same moment: the first starts drawing it (in a thread), the others await that drawing.
    Only the latest version of each board is kept, for at most `BOARDS` boards. The CPU a
    drawing took goes to `drawn` (`ChangeClock.drawn`: a client costly to draw is told less
    often).
    """

    tiles: Tiles
    drawn: Callable[[int | None, float], None]  # the CPU a client's drawing took (pacing)
    _lines: OrderedDict[Board, tuple[int, asyncio.Future[bytes]]] = field(
        default_factory=OrderedDict
    )

    async def line(self, principal: Principal, board: str, version: int) -> bytes:
        """Return `{"version": version, "tiles": [...]}` and a newline, for this board."""
        key: Board = (*rights(principal), board)
        kept = self._lines.get(key)
        if (
            kept is None
            or kept[0] < version
            or kept[1].get_loop() is not asyncio.get_running_loop()
        ):
            kept = (version, asyncio.ensure_future(self._draw(principal, board, version)))
            self._lines[key] = kept
            while len(self._lines) > BOARDS:
                self._lines.popitem(last=False)
        self._lines.move_to_end(key)
        try:
            return await asyncio.shield(kept[1])
        except Exception:
            if self._lines.get(key) is kept:  # the next screen that asks draws it again
                del self._lines[key]
            raise

    def _timed(self, principal: Principal, board: str) -> tuple[list[dict[str, Any]], float]:
        """Draw the tiles (in a worker thread); return them and the CPU seconds it took:
        CPU, not wall time, which other work on a busy server would stretch."""
        began = time.thread_time()
        tiles = self.tiles(principal, board)
        return tiles, time.thread_time() - began

    async def _draw(self, principal: Principal, board: str, version: int) -> bytes:
        """Draw the board's tiles from the newest data told and serialise its line."""
        tiles, cpu_s = await run_in_threadpool(self._timed, principal, board)
        self.drawn(principal.client_id, cpu_s)
        return orjson.dumps({"version": version, "tiles": tiles}) + b"\n"


@dataclass(frozen=True)
class ChangeFeed:
    """What answers the stream: the versions heard, and the lines of each board."""

    versions: ChangeClock
    pushes: Pushes


async def stream_changes(
    receive: Receive,
    send: Send,
    feed: ChangeFeed,
    principal: Principal,
    query: dict[str, list[str]],
) -> None:
    """Stream `{"version": v}` (v = `since` when given, else the current version), then a
    line with the tiles for each version told after it, for `wait` seconds (at most and by
    default STREAM_S) or until the screen goes away."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _wait(query)
    since = _since(query)
    version = feed.versions.version(principal.client_id) if since is None else since
    board = _board(query)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/x-ndjson"),
                (b"cache-control", b"no-store"),
                (b"x-accel-buffering", b"no"),  # nginx: pass each line on at once
            ],
        }
    )
    await _write(send, orjson.dumps({"version": version}) + b"\n")
    gone = asyncio.ensure_future(_disconnected(receive))
    try:
        while (remaining := deadline - loop.time()) > 0:
            newer = asyncio.ensure_future(
                feed.versions.newer(principal.client_id, version, remaining)
            )
            await asyncio.wait({newer, gone}, return_when=asyncio.FIRST_COMPLETED)
            if gone.done():
                newer.cancel()
                return
            if newer.result() <= version:
                break
            version = newer.result()
            await _write(send, await feed.pushes.line(principal, board, version))
    except Exception:  # the screen opens a new stream; a guard there answers what is wrong
        log.exception("ending a wallboard's stream of changes")
    finally:
        gone.cancel()
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _write(send: Send, line: bytes) -> None:
    """Send one line of the stream."""
    await send({"type": "http.response.body", "body": line, "more_body": True})


async def _disconnected(receive: Receive) -> None:
    """Return when the client closed the connection."""
    while (await receive())["type"] != "http.disconnect":
        pass


def _board(query: dict[str, list[str]]) -> str:
    """Return the query as the board's settings (`wall_url.from_search` reads only its own
    parameters, so the stream's `since` and `wait` pass unread; they are left out, so that
    every screen of the board shares one line)."""
    own = {name: values for name, values in query.items() if name not in ("since", "wait")}
    return "?" + urllib.parse.urlencode(own, doseq=True)


def _since(query: dict[str, list[str]]) -> int | None:
    """Return the version the screen has seen (None when it has seen none or sent nonsense)."""
    try:
        since = int((query.get("since") or [""])[0])
    except ValueError:
        return None
    return since if since >= 0 else None


def _wait(query: dict[str, list[str]]) -> float:
    """Return how long to stream: the `wait` asked for, within (0, STREAM_S]."""
    try:
        wait = float((query.get("wait") or [""])[0])
    except ValueError:
        return STREAM_S
    return min(wait, STREAM_S) if wait > 0 else STREAM_S
