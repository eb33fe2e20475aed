"""Committed changes, announced with PostgreSQL's NOTIFY and heard with LISTEN.

An ingest announces the clients whose facts it wrote, an aggregation pass the clients whose
stats it changed, each inside its own transaction: PostgreSQL delivers a notification only
when (and if) that transaction commits, so a listener never hears of data it cannot read
yet. Workers wake their aggregation pass on `ingest`; API processes wake the wallboards of
those clients on either. Each process listens on one connection of its own; the notices
reach every listener of the database (on Citus, of the coordinator, where the sessions
run). A notice is a hint, never the data: whoever hears none still polls once a second.
"""

import logging
import threading
from collections.abc import Callable, Iterable, Sequence

import psycopg

from app.core.outage import OutageLog

CHANNEL = "callpulse_changes"
INGEST, STATS = "ingest", "stats"

log = logging.getLogger(__name__)

# kind (`INGEST`, `STATS`; None: anything may have changed, e.g. after a reconnect) and client
OnChange = Callable[[str | None, int | None], None]


def announce(pg: psycopg.Connection, kind: str, client_ids: Iterable[int]) -> None:
    """Announce, at the commit of `pg`'s transaction, that these clients' data changed."""
    payloads = [f"{kind}:{client_id}" for client_id in sorted(set(client_ids))]
    if payloads:
        pg.execute(
            "SELECT pg_notify(%s, payload) FROM unnest(%s::text[]) AS payload",
            (CHANNEL, payloads),
        )


def parse(payload: str) -> tuple[str | None, int | None]:
    """Return a notice's kind and client (None, None for a payload not of `announce`)."""
    kind, _, client = payload.partition(":")
    return (kind, int(client)) if kind and client.isdigit() else (None, None)


class ChangeListener:
    """A thread that LISTENs on its own connection and tells every subscriber each change.

    When the connection is lost it reconnects (every `retry_s`), and tells the subscribers
    that anything may have changed, since notices sent meanwhile were not heard.
    """

    def __init__(self, conninfo: str, subscribers: Sequence[OnChange], retry_s: float = 1.0):
        self.conninfo, self.subscribers, self.retry_s = conninfo, subscribers, retry_s
        self.listening = threading.Event()  # set while LISTEN is in effect (for tests)
        self.outage = OutageLog("change listener", log)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="change-listener", daemon=True)

    def start(self) -> "ChangeListener":
        """Start listening in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: the thread ends within half a second (not waited for, so that an
        app's shutdown never waits on it)."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except psycopg.Error as exc:  # logged once per outage, not at every retry
                self.outage.failed(exc)
            finally:
                self.listening.clear()
            self._stop.wait(self.retry_s)

    def _listen(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            self.outage.succeeded()
            self._tell(None, None)  # what was sent before LISTEN took effect was not heard
            while not self._stop.is_set():
                for notice in conn.notifies(timeout=0.5):
                    self._tell(*parse(notice.payload))

    def _tell(self, kind: str | None, client_id: int | None) -> None:
        for subscriber in self.subscribers:
            try:
                subscriber(kind, client_id)
            except Exception:  # one subscriber's bug must not deafen the others
                log.exception("change subscriber failed")
