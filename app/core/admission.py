"""Bound the ingest work a process takes on at once; refuse the excess at once.

Without a bound, requests past what the database keeps up with queue for a worker thread
and a pooled connection until they time out, and the queue outlives the clients that
filled it. With one, a request beyond `CALLPULSE_MAX_INGEST_IN_FLIGHT` is answered
503 "server busy" + `Retry-After` before anything else is done for it: the check is an ASGI
middleware on the event loop, ahead of routing, parameter checks (which run on worker
threads, where 8 busy ingests hold the GIL), the key lookup and the body read. So a refusal
costs a few milliseconds even while every slot is busy.
"""

import asyncio
from collections import deque
from collections.abc import Collection

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.errors import ServerBusy

RETRY_AFTER_S = 1


class Admission:
    """Admit up to `limit` requests at once; let one more wait `wait_s` for a slot.

    The wait absorbs the gap between one request finishing and the next arriving at full
    load: a freed slot is handed straight to the waiter (no polling). Only one waits, so a
    refusal never queues behind others: with more than one slot's worth of waiters, most
    would time out anyway, each after the full wait. Used from the event loop only, so the
    counts need no lock; each waiter's future belongs to its own loop.
    """

    def __init__(self, limit: int, wait_s: float = 0.0) -> None:
        self.limit = limit
        self.wait_s = wait_s
        self.in_flight = 0
        self.waiters: deque[asyncio.Future[None]] = deque()

    def _busy(self) -> ServerBusy:
        return ServerBusy(
            f"server busy: {self.limit} ingest requests in flight; retry after the delay"
            " in Retry-After",
            Retry_After=str(RETRY_AFTER_S),
        )

    async def _wait_for_slot(self) -> None:
        """Wait for a slot handed over by a finishing request, or raise `ServerBusy`."""
        if self.waiters or self.wait_s <= 0:
            raise self._busy()
        handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append(handed)
        try:
            await asyncio.wait_for(asyncio.shield(handed), self.wait_s)
        except TimeoutError:
            if not handed.done():
                raise self._busy() from None
        finally:
            if handed in self.waiters:
                self.waiters.remove(handed)

    async def acquire(self) -> None:
        """Take a slot, waiting for one to be handed over at most `wait_s`; or raise
        `ServerBusy`."""
        if self.in_flight >= self.limit or self.waiters:
            await self._wait_for_slot()  # on success the slot was handed over, still counted
        else:
            self.in_flight += 1

    def release(self) -> None:
        """Hand the slot to the waiter, if one is still waiting; else free it."""
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.in_flight -= 1


class AdmitIngest:
    """ASGI middleware: hold an `Admission` slot for each POST to the ingest `paths`, or to a
    path under one of `prefixes` (feeds: `/v1/feeds/{name}`)."""

    def __init__(
        self,
        app: ASGIApp,
        admission: Admission,
        paths: Collection[str],
        prefixes: Collection[str] = (),
    ) -> None:
        self.app, self.admission, self.paths = app, admission, frozenset(paths)
        self.prefixes = tuple(prefixes)

    def _admits(self, scope: Scope) -> bool:
        path = scope["path"]
        return path in self.paths or (bool(self.prefixes) and path.startswith(self.prefixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on inside a slot, or answer 503 + Retry-After at once."""
        if scope["type"] != "http" or scope["method"] != "POST" or not self._admits(scope):
            await self.app(scope, receive, send)
            return
        try:
            await self.admission.acquire()
        except ServerBusy as busy:
            refusal = JSONResponse(
                {"error": busy.message}, status_code=busy.status_code, headers=busy.headers
            )
            await refusal(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.admission.release()
