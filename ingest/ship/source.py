"""Read a followed file (or a folder of files) in batches of whole lines, from a checkpoint.

A log file is followed through rotation (renamed away, a new one created under the name:
the old one is read to its end first, even when the rotation happened while the shipper
was stopped) and truncation (read again from the start). Only whole lines are shipped
while following; when shipping once, a last line without a newline is shipped too.
"""

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.ship.checkpoint import Checkpoint, Position

JSON_DOCUMENT = "application/json"  # one document per file: never cut at a line
CSV = "text/csv"  # its header line goes before every batch


@dataclass(frozen=True)
class Chunk:
    """A batch of whole lines of one file; `header` (a CSV's first line) is sent before them.

    `source` is the followed path (the checkpoint's key); `file` the file read, which is a
    rotated-away name while an old log is read to its end.
    """

    source: str
    file: str
    body: bytes
    first_line: int
    end: Position
    header: bytes = b""

    @property
    def lines(self) -> int:
        """Return the number of source lines in the batch."""
        return self.end.line - self.first_line


class ShipError(Exception):
    """A problem the shipper cannot retry away; the message says what to do."""


def _rotated_from(path: Path, position: Position) -> Path | None:
    """Return the file beside `path` that is `position`'s file under a new name, if any."""
    for sibling in sorted(path.parent.glob(f"{path.name}*")):
        try:
            if sibling.is_file() and position.same_file(sibling.stat()):
                return sibling
        except FileNotFoundError:
            continue
    return None


class FileTail:
    """One followed path: read batches of lines from the checkpoint on, across rotations."""

    def __init__(
        self, path: Path, checkpoint: Checkpoint, follow: bool, with_header: bool = False
    ) -> None:
        self.path = path
        self.key = str(path)
        self.checkpoint = checkpoint
        self.follow = follow
        self.with_header = with_header
        self.header = b""
        self.reading: Path = path
        self.position = self._resume()

    def _resume(self) -> Position:
        saved = self.checkpoint.get(self.key)
        if not self.path.exists():
            raise ShipError(f"{self.path}: no such file; check the path")
        current = self.path.stat()
        if saved is None or saved.same_file(current):
            return saved or Position.start_of(current)
        old = _rotated_from(self.path, saved)  # rotated while the shipper was stopped
        if old is not None:
            self.reading = old
            return saved
        return Position.start_of(current)

    def behind_bytes(self) -> int:
        """Return how many bytes of the file are not yet read."""
        try:
            return max(0, self.reading.stat().st_size - self.position.offset)
        except FileNotFoundError:
            return 0

    def read(self, max_bytes: int) -> Chunk | None:
        """Return the next batch of whole lines (at most about `max_bytes`), or None for now."""
        self._notice_truncation()
        chunk = self._read_lines(max_bytes)
        if chunk is None and self.reading == self.path and self._rotated():
            chunk = self._read_lines(max_bytes)
        if chunk is None and self.reading != self.path:  # the rotated file is read out
            self.reading = self.path
            self.position = Position.start_of(self.path.stat())
            chunk = self._read_lines(max_bytes)
        return chunk

    def _notice_truncation(self) -> None:
        try:
            stat = self.reading.stat()
        except FileNotFoundError:
            return
        if self.position.same_file(stat) and stat.st_size < self.position.offset:
            self.position = Position.start_of(stat)
            self.header = b""

    def _rotated(self) -> bool:
        """Whether the name now holds another file; keep reading the old one to its end."""
        try:
            current = self.path.stat()
        except FileNotFoundError:
            return False
        if self.position.same_file(current):
            return False
        old = _rotated_from(self.path, self.position)
        if old is None:
            self.position = Position.start_of(current)  # the old one is gone
            self.header = b""
        else:
            self.reading = old
        return True

    def _read_lines(self, max_bytes: int) -> Chunk | None:
        try:
            handle = self.reading.open("rb")
        except FileNotFoundError:
            return None
        with handle:
            if not self.position.same_file(os.fstat(handle.fileno())):
                return None
            handle.seek(self.position.offset)
            data = handle.read(max_bytes)
            cut = data.rfind(b"\n") + 1
            while cut == 0 and len(data) >= max_bytes:  # one line longer than a batch
                more = handle.read(max_bytes)
                if not more:
                    break
                data += more
                cut = data.rfind(b"\n") + 1
        whole = data[:cut] if cut or self.follow else data
        if not whole:
            return None
        return self._chunk(whole)

    def _chunk(self, data: bytes) -> Chunk | None:
        if self.with_header and self.position.line == 1:
            header, _, data = data.partition(b"\n")
            self.header = header + b"\n"
            self._advance(len(header) + 1, 1)
            if not data:
                return None
        elif self.with_header and not self.header:  # resumed past the header: read it again
            with self.reading.open("rb") as handle:
                self.header = handle.readline()
        first_line = self.position.line
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        self._advance(len(data), lines)
        return Chunk(self.key, str(self.reading), data, first_line, self.position, self.header)

    def _advance(self, size: int, lines: int) -> None:
        p = self.position
        self.position = Position(p.device, p.inode, p.offset + size, p.line + lines)


class FolderFiles:
    """A folder of export files (e.g. contact records): each file shipped once, whole.

    A file is taken once it has not changed for `settle_s` (it is still being written
    before that); one bigger than a batch is cut at lines, except a JSON document.
    """

    def __init__(
        self, folder: Path, checkpoint: Checkpoint, follow: bool, settle_s: float = 2.0
    ) -> None:
        self.folder = folder
        self.checkpoint = checkpoint
        self.follow = follow
        self.settle_s = settle_s

    def _ready(self) -> Iterator[Path]:
        files = [p for p in self.folder.iterdir() if p.is_file() and not p.name.startswith(".")]
        now = time.time()
        for path in sorted(files, key=lambda p: (p.stat().st_mtime, p.name)):
            stat = path.stat()
            saved = self.checkpoint.get(str(path))
            if saved and saved.same_file(stat) and saved.offset >= stat.st_size:
                continue
            if self.follow and now - stat.st_mtime < self.settle_s:
                continue
            yield path

    def behind_bytes(self) -> int:
        """Return the bytes of files not yet read out."""
        total = 0
        for path in self._ready():
            saved = self.checkpoint.get(str(path))
            total += path.stat().st_size - (saved.offset if saved else 0)
        return total

    def read(self, max_bytes: int, content_type: str) -> Chunk | None:
        """Return the next batch of the oldest file not yet shipped, or None for now."""
        with_header = content_type == CSV
        for path in self._ready():
            if content_type == JSON_DOCUMENT and path.stat().st_size > max_bytes:
                raise ShipError(
                    f"{path}: a JSON document of {path.stat().st_size} bytes is over the batch"
                    f" bound of {max_bytes}; export NDJSON, or raise --batch-bytes and the"
                    " server's CALLPULSE_MAX_BODY_BYTES"
                )
            tail = FileTail(path, self.checkpoint, follow=False, with_header=with_header)
            chunk = tail.read(max_bytes if content_type != JSON_DOCUMENT else path.stat().st_size)
            if chunk is not None:
                return chunk
        return None
