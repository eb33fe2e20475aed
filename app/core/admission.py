"""Bound the ingest work a process takes on at once; refuse the excess at once.

Without a bound, requests past what the database keeps up with queue for a worker thread
and a pooled connection until they time out, and the queue outlives the clients that
filled it. With one, a request beyond `CALLPULSE_MAX_INGEST_IN_FLIGHT` is answered
503 "server busy" + `Retry-After` before its body is read or its key looked up.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request

from app.core.errors import ServerBusy

RETRY_AFTER_S = 1
POLL_S = 0.005


class Admission:
    """Admit up to `limit` requests at once; let as many more wait `wait_s` for a slot.

    The short wait absorbs the bursts of a steady feed (a pass or a GC pause holding every
    slot for a moment) without queueing: past it, or past `limit` waiters, the request is
    refused. Used from the event loop only (an async dependency), so the counts need no
    lock; the wait polls, so the object serves any event loop.
    """

    def __init__(self, limit: int, wait_s: float = 0.0) -> None:
        self.limit = limit
        self.wait_s = wait_s
        self.in_flight = 0
        self.waiting = 0

    def _busy(self) -> ServerBusy:
        return ServerBusy(
            f"server busy: {self.limit} ingest requests in flight; retry after the delay"
            " in Retry-After",
            Retry_After=str(RETRY_AFTER_S),
        )

    async def _wait_for_slot(self) -> None:
        if self.waiting >= self.limit or self.wait_s <= 0:
            raise self._busy()
        self.waiting += 1
        try:
            deadline = time.monotonic() + self.wait_s
            while self.in_flight >= self.limit:
                if time.monotonic() >= deadline:
                    raise self._busy()
                await asyncio.sleep(POLL_S)
        finally:
            self.waiting -= 1

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the duration of the block, or raise `ServerBusy`."""
        if self.in_flight >= self.limit:
            await self._wait_for_slot()
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1


async def admit_ingest(request: Request) -> AsyncIterator[None]:
    """Hold one of the process's ingest slots until the route returns (FastAPI dependency)."""
    async with request.app.state.ingest_admission.slot():
        yield
