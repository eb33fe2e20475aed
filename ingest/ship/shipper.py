"""The shipping loop: read into the spool, send the spool in order, keep the checkpoint.

Every line is, at any moment, in the file past the checkpoint, in the spool, or
acknowledged by the server; the server's idempotent writer turns the rare line sent twice
(a crash between its answer and the spool's removal) into a duplicate.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.ship.checkpoint import Checkpoint
from ingest.ship.sender import Backoff, Sender, TooLarge, Unavailable
from ingest.ship.source import CSV, FileTail, FolderFiles, ShipError
from ingest.ship.spool import Spool, Spooled

MEDIA_TYPES = {
    ".csv": CSV,
    ".json": "application/json",
    ".ndjson": "application/x-ndjson",
    ".jsonl": "application/x-ndjson",
}
TEXT = "text/plain"  # queue_log and other line logs


def media_type_of(path: Path) -> str:
    """Return the Content-Type a file is sent with, by its extension."""
    return MEDIA_TYPES.get(path.suffix.lower(), TEXT)


@dataclass
class Rejected:
    """A line the server refused: where it is and why."""

    file: str
    line: int
    errors: list[str]


@dataclass
class Stats:
    """What the shipper has done, for its status lines."""

    started: float = field(default_factory=time.monotonic)
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    retries: int = 0
    waiting_reason: str = ""
    spool_batches: int = 0
    spool_bytes: int = 0
    behind_bytes: int = 0
    lag_s: float = 0.0

    def lines_per_s(self) -> float:
        """Return the lines acknowledged per second since the start."""
        return self.lines / max(time.monotonic() - self.started, 1e-9)


@dataclass(frozen=True)
class Settings:
    """How the shipper reads and sends."""

    follow: bool = False
    batch_bytes: int = 256 * 1024
    spool_bytes: int = 64 * 1024 * 1024
    poll_s: float = 0.5
    content_type: str | None = None


class Shipper:
    """Ship one path (a file, or a folder of files) to one feed."""

    def __init__(
        self,
        path: Path,
        state: Path,
        sender: Sender,
        settings: Settings,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.path = path
        self.sender = sender
        self.settings = settings
        self.sleep = sleep
        self.checkpoint = Checkpoint(state / "checkpoint.json")
        self.spool = Spool(state / "spool", settings.spool_bytes)
        self.backoff = Backoff()
        self.stats = Stats()
        self.content_type = settings.content_type or media_type_of(path)
        self.tail: FileTail | None = None
        self.folder: FolderFiles | None = None
        if path.is_dir():
            self.folder = FolderFiles(path, self.checkpoint, settings.follow)
        else:
            with_header = self.content_type == CSV
            self.tail = FileTail(path, self.checkpoint, settings.follow, with_header)

    def run(self, report: Callable[[Stats], None] = lambda _: None) -> Stats:
        """Ship until everything is acknowledged (or forever, following); return the stats."""
        while True:
            read = self._fill()
            sent, unavailable = self._drain()
            self._measure()
            report(self.stats)
            if unavailable is not None:
                self.stats.retries += 1
                self.stats.waiting_reason = unavailable.reason
                self.sleep(self.backoff.next_s(unavailable.retry_after_s))
                continue
            self.stats.waiting_reason = ""
            if not read and not sent:
                if not self.settings.follow:
                    return self.stats
                self.sleep(self.settings.poll_s)

    def _fill(self) -> bool:
        """Move batches from the source into the spool while it has room; say if any moved."""
        moved = False
        while self.spool.has_room():
            if self.tail is not None:
                chunk = self.tail.read(self.settings.batch_bytes)
            else:
                assert self.folder is not None
                chunk = self.folder.read(self.settings.batch_bytes, self.content_type)
            if chunk is None:
                break
            self.spool.put(chunk)
            self.checkpoint.set(chunk.source, chunk.end)
            moved = True
        return moved

    def _drain(self) -> tuple[bool, Unavailable | None]:
        """Send the spooled batches in order until one cannot be sent now."""
        sent = False
        for spooled in self.spool.entries():
            try:
                self._send(spooled, self.spool.body(spooled), spooled.first_line)
            except Unavailable as exc:
                return sent, exc
            self.backoff.reset()
            self.spool.remove(spooled)
            sent = True
        return sent, None

    def _send(self, spooled: Spooled, body: bytes, first_line: int) -> None:
        """Send a body; one the server finds too large goes in two halves at a line."""
        try:
            answer = self.sender.send(body, self.content_type)
        except TooLarge:
            header, lines = _split_header(body, spooled.header_lines)
            if len(lines) < 2:
                raise ShipError(
                    f"{spooled.file}:{first_line}: one line is over the server's body limit"
                ) from None
            half = len(lines) // 2
            self._send(spooled, header + b"".join(lines[:half]), first_line)
            self._send(spooled, header + b"".join(lines[half:]), first_line + half)
            return
        self._count(spooled, body, first_line, answer)

    def _count(
        self, spooled: Spooled, body: bytes, first_line: int, answer: dict[str, Any]
    ) -> None:
        lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1) - spooled.header_lines
        self.stats.lines += lines
        self.stats.accepted += int(answer.get("accepted", 0))
        self.stats.duplicates += int(answer.get("duplicates", 0))
        for rejection in answer.get("rejected", []):
            line = first_line + int(rejection["index"]) - 1 - spooled.header_lines
            self.stats.rejected.append(Rejected(spooled.file, line, list(rejection["errors"])))

    def backlog_bytes(self) -> int:
        """Return the bytes still to ship: unread in the source, and spooled."""
        self._measure()
        return self.stats.behind_bytes + self.stats.spool_bytes

    def _measure(self) -> None:
        entries = self.spool.entries()
        source = self.tail or self.folder
        assert source is not None
        self.stats.spool_batches = len(entries)
        self.stats.spool_bytes = sum(e.size for e in entries)
        self.stats.behind_bytes = source.behind_bytes()
        self.stats.lag_s = time.time() - entries[0].read_at if entries else 0.0


def _split_header(body: bytes, header_lines: int) -> tuple[bytes, list[bytes]]:
    lines = body.splitlines(keepends=True)
    return b"".join(lines[:header_lines]), lines[header_lines:]
