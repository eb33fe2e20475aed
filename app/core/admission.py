"""Bound the ingest work a process takes on at once; refuse the excess at once.

Without a bound, requests past what the database keeps up with queue for a worker thread
and a pooled connection until they time out, and the queue outlives the clients that
filled it. With one, a request beyond `CALLPULSE_MAX_INGEST_IN_FLIGHT` is answered
503 "server busy" + `Retry-After` before its body is read or its key looked up.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

from fastapi import Request

from app.core.errors import ServerBusy

RETRY_AFTER_S = 1


class Admission:
    """Admit up to `limit` requests at once and refuse the rest without waiting.

    Used from the event loop only (an async dependency), so the count needs no lock.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot for the duration of the block, or raise `ServerBusy`."""
        if self.in_flight >= self.limit:
            raise ServerBusy(
                f"server busy: {self.limit} ingest requests in flight; retry after the delay"
                " in Retry-After",
                Retry_After=str(RETRY_AFTER_S),
            )
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1


async def admit_ingest(request: Request) -> AsyncIterator[None]:
    """Hold one of the process's ingest slots until the route returns (FastAPI dependency)."""
    with request.app.state.ingest_admission.slot():
        yield
