"""Batches read but not yet acknowledged, on disk, in order, up to a bound.

A batch is written here before the checkpoint moves past its lines, and removed only after
the server acknowledged it, so whatever the shipper or the server does, every line is in
the file past the checkpoint, in the spool, or acknowledged. A batch sent twice (a crash
between the answer and the removal) is a duplicate to the server, never a second count.
"""

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ingest.ship.source import Chunk


@dataclass(frozen=True)
class Spooled:
    """One spooled batch: where its lines came from, when it was read, and its file names."""

    seq: int
    file: str
    first_line: int
    lines: int
    header_lines: int
    read_at: float
    size: int


class Spool:
    """A folder of numbered batches: `<seq>.body` and its description `<seq>.json`."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        folder.mkdir(parents=True, exist_ok=True)
        for partial in folder.glob("*.tmp"):  # a write the shipper did not finish
            partial.unlink()
        for orphan in folder.glob("*.body"):  # a body whose description was never written
            if not orphan.with_suffix(".json").exists():
                orphan.unlink()
        # Read once: the shipper is the folder's only writer, so the list follows put/remove.
        found = [Spooled(**json.loads(p.read_text())) for p in folder.glob("*.json")]
        self._entries = sorted(found, key=lambda s: s.seq)

    def entries(self) -> list[Spooled]:
        """Return the spooled batches, oldest first."""
        return list(self._entries)

    def size(self) -> int:
        """Return the bytes the spool holds."""
        return sum(s.size for s in self._entries)

    def has_room(self) -> bool:
        """Whether another batch may be spooled (the bound is checked before, not after)."""
        return self.size() < self.max_bytes

    def put(self, chunk: Chunk) -> Spooled:
        """Write a batch durably: body first, then its description, each renamed into place."""
        seq = self._entries[-1].seq + 1 if self._entries else 1
        body = chunk.header + chunk.body
        spooled = Spooled(
            seq,
            chunk.file,
            chunk.first_line,
            chunk.lines,
            1 if chunk.header else 0,
            time.time(),
            len(body),
        )
        self._write(self._path(seq, ".body"), body)
        self._write(self._path(seq, ".json"), json.dumps(asdict(spooled)).encode())
        self._entries.append(spooled)
        return spooled

    def body(self, spooled: Spooled) -> bytes:
        """Return a spooled batch's body."""
        return self._path(spooled.seq, ".body").read_bytes()

    def remove(self, spooled: Spooled) -> None:
        """Drop an acknowledged batch (its description first: a body alone is an orphan)."""
        self._path(spooled.seq, ".json").unlink()
        self._path(spooled.seq, ".body").unlink()
        self._entries.remove(spooled)

    def _path(self, seq: int, suffix: str) -> Path:
        return self.folder / f"{seq:012d}{suffix}"

    def _write(self, path: Path, data: bytes) -> None:
        temporary = path.with_suffix(path.suffix + ".tmp")
        with temporary.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(path)
