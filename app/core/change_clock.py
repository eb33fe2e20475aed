"""When each client's data last changed, as this process heard it, and waiting for the next.

A version is the time (ms since the epoch) the process heard the client's latest change, or
of the latest change of any client for a viewer of several. Times, not counters, so that
API replicas agree: a browser that learned version v from one replica and asks another
whether anything is newer than v gets the right answer, give or take the replicas' clock
skew (at worst one needless redraw). A notice that anything may have changed (a listener
that reconnected) moves every client's version.

Waiters are told of a newer version at most once per `gap_s` per client: on a busy floor
notices come many times a second, and each answer makes every screen of that client redraw.
The first change after a quiet spell is told at once; the ones after it wait out the gap
together, so all screens of a client redraw at the same moments and share one live state.
Each telling costs a drawing of the boards that show the client (a live read and its tiles,
in the API process's interpreter, which runs on one core), so a client costly to draw is told
less often: the gap is at least `1 / DRAW_SHARE` times the CPU its last drawing took. A busy
board of hundreds of queues then takes at most that share of the interpreter, while a
client's own board of a few queues is told every `gap_s`. CPU, not wall time: a busy server
would stretch the wall time of every drawing, and slow every board's news for it.
"""

import asyncio
import threading
import time
from collections.abc import Callable

Waiter = tuple[asyncio.AbstractEventLoop, asyncio.Event]
DRAW_SHARE = 0.15  # of the interpreter's CPU, at most, drawing one client's changes takes


class ChangeClock:
    """Versions per client, and async waits for a version newer than one already seen."""

    def __init__(self, gap_s: float = 0.0, clock: Callable[[], float] = time.time) -> None:
        self.gap_s = gap_s
        self._clock = clock
        self._lock = threading.Lock()
        self._by_client: dict[int, int] = {}
        self._everything = 0  # the last notice that anything may have changed
        self._latest = 0  # the last notice of any kind
        self._told: dict[int | None, tuple[int, float]] = {}  # version told, when (loop time)
        self._drawing_s: dict[int | None, float] = {}  # how long the last drawing took
        self._waiters: dict[int | None, set[Waiter]] = {}

    def heard(self, kind: str | None, client_id: int | None) -> None:
        """Record a change notice (an `app.core.changes.OnChange`) and wake its waiters."""
        del kind  # a wallboard shows facts and stats alike: any change is news
        with self._lock:
            now = max(int(self._clock() * 1000), self._latest + 1)  # strictly increasing
            self._latest = now
            if client_id is None:
                self._everything = now
                woken = [w for waiters in self._waiters.values() for w in waiters]
            else:
                self._by_client[client_id] = now
                woken = [*self._waiters.get(client_id, ()), *self._waiters.get(None, ())]
        for loop, event in woken:
            loop.call_soon_threadsafe(event.set)

    def version(self, client_id: int | None) -> int:
        """Return the version of one client's data, or of every client's (None)."""
        with self._lock:
            return self._current(client_id)

    def _current(self, client_id: int | None) -> int:
        """Return the version of one client's data, or of every client's (lock held)."""
        if client_id is None:
            return self._latest
        return max(self._by_client.get(client_id, 0), self._everything)

    def told(self, client_id: int | None) -> int:
        """Return the newest version waiters of this client were told of (so that a
        redraw by the clock's tick reads what the screens redrawn on changes read)."""
        with self._lock:
            return self._told.get(client_id, (0, 0.0))[0]

    def drawn(self, client_id: int | None, seconds: float) -> None:
        """Record the CPU seconds drawing what was told of this client took (it paces the
        next telling)."""
        with self._lock:
            self._drawing_s[client_id] = seconds

    def gap(self, client_id: int | None) -> float:
        """Return the least time between two tellings of this client's changes."""
        with self._lock:
            return max(self.gap_s, self._drawing_s.get(client_id, 0.0) / DRAW_SHARE)

    async def newer(self, client_id: int | None, since: int, timeout_s: float) -> int:
        """Return a version newer than `since` once one is heard and the gap since the last
        one told has passed; `since` itself after `timeout_s` without one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            told, told_at = self._told.get(client_id, (0, float("-inf")))
            if told > since:
                return told
            if self.version(client_id) > since:
                rest = told_at + self.gap(client_id) - loop.time()
                if rest > 0:
                    await asyncio.sleep(rest)
                    continue
                self._tell(client_id, loop.time())
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                return since
            await self._heard_one(client_id, since, remaining)

    def _tell(self, client_id: int | None, at: float) -> None:
        """Make the current version the one told to this client's waiters."""
        with self._lock:
            version = self._current(client_id)
            if version > self._told.get(client_id, (0, 0.0))[0]:
                self._told[client_id] = (version, at)

    async def _heard_one(self, client_id: int | None, since: int, timeout_s: float) -> None:
        """Wait until a notice for this client (or any, for None) is heard, or timeout."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.setdefault(client_id, set()).add(waiter)
        try:
            if self.version(client_id) <= since:  # not heard between the check and now
                await asyncio.wait_for(waiter[1].wait(), timeout_s)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters[client_id].discard(waiter)
