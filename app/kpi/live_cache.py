"""Share a scope's live state among every screen that asks for it within one refresh period.

Each open wallboard asks for its live state once a second, and a state costs as much for one
screen as for fifty: so the first request of a period computes it, the requests for the same
key asking meanwhile wait for that computation instead of starting their own, and the later
ones of the period get the same answer. The key must hold everything the state depends on
(the viewer's rights included): two requests with equal keys get the same object.

A state also carries the version of the data it was computed from (`app.core.change_clock`,
which tells screens of newer versions at a bounded pace): a request that knows of newer data
gets a new state at once, not at the period's end.

In memory, per process: with R API replicas (or `serve --workers R`) a scope is computed at
most R times a period, whatever the number of screens. Bound: `max_entries` keys (past it the
least recently computed are dropped); an entry is served for `ttl_s` after its computation
began, and expired entries are dropped as new keys come in.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

State = TypeVar("State")


@dataclass
class _Entry(Generic[State]):
    """One key's state, when its computation began, and the lock its computers take in turn."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    state: State | None = None
    began: float = float("-inf")
    version: int = 0


class SharedStates(Generic[State]):
    """Live states by key, each computed once per `ttl_s` however many ask for it."""

    def __init__(
        self,
        ttl_s: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.computations = 0  # how many states were computed (for tests and benchmarks)
        self._clock = clock
        self._entries: OrderedDict[Hashable, _Entry[State]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], State], version: int = 0) -> State:
        """Return the key's state: the one computed this period from data of `version` or
        newer, else `compute()`'s (read `version` before: a change while computing then
        makes the next request compute again)."""
        entry = self._entry(key)
        with entry.lock:
            began = self._clock()
            state = entry.state
            if state is not None and began - entry.began < self.ttl_s and entry.version >= version:
                return state
            state = compute()
            entry.state, entry.began, entry.version = state, began, version
            with self._lock:
                self.computations += 1
                if key in self._entries:
                    self._entries.move_to_end(key)
            return state

    def clear(self) -> None:
        """Forget every state (something they show has just changed, such as an alert)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _entry(self, key: Hashable) -> _Entry[State]:
        """Return the key's entry, adding it (and dropping expired and surplus ones) if new."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                return entry
            now = self._clock()
            for old in [k for k, e in self._entries.items() if self._expired(e, now)]:
                del self._entries[old]
            while len(self._entries) >= self.max_entries:
                self._entries.popitem(last=False)
            entry = self._entries[key] = _Entry()
            return entry

    def _expired(self, entry: _Entry[State], now: float) -> bool:
        """Say whether an entry only holds an outdated state (one being computed stays)."""
        outdated = entry.state is not None and now - entry.began >= self.ttl_s
        return outdated and not entry.lock.locked()
