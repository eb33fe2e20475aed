"""Where the shipper is in each file: identity and offset, saved atomically.

A file is known by (device, inode), not by name, so a rotated log (renamed, a new file
created under the old name) is told apart from one that grew. The checkpoint advances only
after the lines read are safe in the spool, so a restart resumes exactly where it left off.
"""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Position:
    """A place in one file: its identity, the byte offset and the next line's number."""

    device: int
    inode: int
    offset: int = 0
    line: int = 1

    @classmethod
    def start_of(cls, stat: os.stat_result) -> "Position":
        """Return the start of the file `stat` describes."""
        return cls(stat.st_dev, stat.st_ino)

    def same_file(self, stat: os.stat_result) -> bool:
        """Whether `stat` describes this position's file."""
        return (self.device, self.inode) == (stat.st_dev, stat.st_ino)


class Checkpoint:
    """Positions by source path, kept in one JSON file written by rename (never half-written)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.positions: dict[str, Position] = {}
        if path.exists():
            saved = json.loads(path.read_text())
            self.positions = {name: Position(**p) for name, p in saved["positions"].items()}

    def get(self, source: str) -> Position | None:
        """Return the saved position of `source`, if any."""
        return self.positions.get(source)

    def set(self, source: str, position: Position) -> None:
        """Record `position` for `source` and save the checkpoint to disk."""
        self.positions[source] = position
        self.save()

    def save(self) -> None:
        """Write the checkpoint: a temporary file, flushed, then renamed over the old one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        data = {"positions": {name: asdict(p) for name, p in self.positions.items()}}
        with temporary.open("w") as out:
            json.dump(data, out)
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(self.path)
