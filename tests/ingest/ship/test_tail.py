"""Following a log: whole lines, resumed from the checkpoint, through rotation and truncation."""

import os
from pathlib import Path

from ingest.ship.checkpoint import Checkpoint
from ingest.ship.source import FileTail, FolderFiles


def _lines(n: int, start: int = 1) -> bytes:
    return b"".join(f"line {i}\n".encode() for i in range(start, start + n))


def _read_all(tail: FileTail, max_bytes: int = 64) -> list[tuple[int, bytes]]:
    chunks = []
    while (chunk := tail.read(max_bytes)) is not None:
        chunks.append((chunk.first_line, chunk.body))
    return chunks


def test_batches_hold_whole_lines_and_number_them(tmp_path: Path):
    log = tmp_path / "queue_log"
    log.write_bytes(_lines(10) + b"half a li")
    tail = FileTail(log, Checkpoint(tmp_path / "cp.json"), follow=True)
    chunks = _read_all(tail, max_bytes=30)
    assert b"".join(body for _, body in chunks) == _lines(10)  # the partial line waits
    assert [first for first, _ in chunks] == [1, 5, 9]  # 7-byte lines, 30-byte batches
    with log.open("ab") as out:
        out.write(b"ne\n")
    [(first, body)] = _read_all(tail)
    assert (first, body) == (11, b"half a line\n")


def test_shipping_once_sends_the_last_line_without_newline(tmp_path: Path):
    log = tmp_path / "export.log"
    log.write_bytes(_lines(2) + b"last")
    tail = FileTail(log, Checkpoint(tmp_path / "cp.json"), follow=False)
    assert b"".join(body for _, body in _read_all(tail)) == _lines(2) + b"last"


def test_a_restart_resumes_at_the_checkpoint(tmp_path: Path):
    log, state = tmp_path / "queue_log", tmp_path / "cp.json"
    log.write_bytes(_lines(6))
    checkpoint = Checkpoint(state)
    tail = FileTail(log, checkpoint, follow=True)
    chunk = tail.read(24)  # three lines
    assert chunk is not None
    checkpoint.set(chunk.source, chunk.end)
    resumed = FileTail(log, Checkpoint(state), follow=True)
    assert _read_all(resumed) == [(4, _lines(3, start=4))]


def test_rotation_reads_the_old_file_to_its_end_then_the_new_one(tmp_path: Path):
    log, checkpoint = tmp_path / "queue_log", Checkpoint(tmp_path / "cp.json")
    log.write_bytes(_lines(2))
    tail = FileTail(log, checkpoint, follow=True)
    assert _read_all(tail) == [(1, _lines(2))]
    with log.open("ab") as out:  # written after the last read, before the rotation
        out.write(_lines(1, start=3))
    log.rename(tmp_path / "queue_log.1")
    log.write_bytes(_lines(2, start=100))
    assert b"".join(body for _, body in _read_all(tail)) == _lines(1, 3) + _lines(2, 100)


def test_rotation_while_stopped_is_found_by_file_identity(tmp_path: Path):
    log, state = tmp_path / "queue_log", tmp_path / "cp.json"
    log.write_bytes(_lines(4))
    checkpoint = Checkpoint(state)
    chunk = FileTail(log, checkpoint, follow=True).read(16)  # two lines
    assert chunk is not None
    checkpoint.set(chunk.source, chunk.end)
    log.rename(tmp_path / "queue_log.1")  # logrotate ran while the shipper was down
    log.write_bytes(_lines(1, start=50))
    tail = FileTail(log, Checkpoint(state), follow=True)
    assert b"".join(body for _, body in _read_all(tail)) == _lines(2, 3) + _lines(1, 50)


def test_truncation_starts_again_from_the_top(tmp_path: Path):
    log = tmp_path / "queue_log"
    log.write_bytes(_lines(5))
    tail = FileTail(log, Checkpoint(tmp_path / "cp.json"), follow=True)
    _read_all(tail)
    with log.open("r+b") as out:  # copytruncate
        out.truncate(0)
        out.write(_lines(1, start=9))
    assert _read_all(tail) == [(1, _lines(1, start=9))]


def test_a_csv_header_goes_before_every_batch(tmp_path: Path):
    export, state = tmp_path / "calls.csv", tmp_path / "cp.json"
    export.write_bytes(b"call_id,queue\n" + b"".join(f"c{i},q\n".encode() for i in range(6)))
    checkpoint = Checkpoint(state)
    tail = FileTail(export, checkpoint, follow=True, with_header=True)
    first = tail.read(20)
    assert first is not None and (first.header, first.first_line) == (b"call_id,queue\n", 2)
    checkpoint.set(first.source, first.end)
    resumed = FileTail(export, Checkpoint(state), follow=True, with_header=True).read(1000)
    assert resumed is not None and resumed.header == b"call_id,queue\n"
    assert resumed.first_line == first.end.line


def test_folder_files_are_taken_once_settled_oldest_first(tmp_path: Path):
    folder, checkpoint = tmp_path / "ctr", Checkpoint(tmp_path / "cp.json")
    folder.mkdir()
    old, new = folder / "b.ndjson", folder / "a.ndjson"
    old.write_bytes(b'{"n": 1}\n')
    new.write_bytes(b'{"n": 2}\n')
    os.utime(old, (1_000, 1_000))
    files = FolderFiles(folder, checkpoint, follow=True, settle_s=60)
    chunk = files.read(1000, "application/x-ndjson")
    assert chunk is not None and chunk.file == str(old)  # `new` is still being written
    checkpoint.set(chunk.source, chunk.end)
    assert files.read(1000, "application/x-ndjson") is None
    os.utime(new, (2_000, 2_000))
    assert files.read(1000, "application/x-ndjson").file == str(new)
