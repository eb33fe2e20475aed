"""The spool: batches in order, durable, bounded, and clean after a crash mid-write."""

from pathlib import Path

from ingest.ship.checkpoint import Position
from ingest.ship.source import Chunk
from ingest.ship.spool import Spool


def _chunk(first_line: int, body: bytes, header: bytes = b"") -> Chunk:
    lines = body.count(b"\n")
    return Chunk("log", "log", body, first_line, Position(1, 2, 0, first_line + lines), header)


def test_batches_come_back_in_order_with_their_lines(tmp_path: Path):
    spool = Spool(tmp_path, max_bytes=1_000)
    spool.put(_chunk(1, b"a\nb\n"))
    spool.put(_chunk(3, b"c\n", header=b"h\n"))
    entries = Spool(tmp_path, max_bytes=1_000).entries()  # as a restarted shipper sees them
    assert [(e.first_line, e.lines, e.header_lines) for e in entries] == [(1, 2, 0), (3, 1, 1)]
    assert [spool.body(e) for e in entries] == [b"a\nb\n", b"h\nc\n"]
    spool.remove(entries[0])
    assert [e.first_line for e in spool.entries()] == [3]


def test_the_bound_stops_reading_once_reached(tmp_path: Path):
    spool = Spool(tmp_path, max_bytes=10)
    spool.put(_chunk(1, b"123456\n"))
    assert spool.has_room()
    spool.put(_chunk(2, b"789012\n"))
    assert not spool.has_room() and spool.size() == 14


def test_a_half_written_batch_is_dropped_on_start(tmp_path: Path):
    spool = Spool(tmp_path, max_bytes=1_000)
    kept = spool.put(_chunk(1, b"kept\n"))
    (tmp_path / "000000000002.body").write_bytes(b"no description\n")  # died before the .json
    (tmp_path / "000000000003.json.tmp").write_bytes(b"{")
    restarted = Spool(tmp_path, max_bytes=1_000)
    assert restarted.entries() == [kept]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000000000001.body", "000000000001.json"]
