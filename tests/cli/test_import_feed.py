"""`callpulse import FILE --feed NAME`: the feed's adapter, then the same writer, in batches."""

import os
import secrets
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from tests.ingest.feeds.fixtures import TEST_FORMATS, make_feed, test_formats

__all__ = ["make_feed", "test_formats"]  # fixtures

# The CLI in a process of its own, with the test-only formats registered.
REGISTER_AND_RUN = (
    "import ingest.adapters as a; a.MODULES.update({formats!r}); from app.cli import main; main()"
)


def _callpulse(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", REGISTER_AND_RUN.format(formats=TEST_FORMATS), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": database_url, "COLUMNS": "120"},
        timeout=120,
        check=False,
    )


def _reported(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.startswith("  line ")]


def test_import_feed_reports_lines_in_order_and_replays_as_duplicates(
    database_url, tenant, make_feed, tmp_path, pg
):
    name = make_feed(timezone=None)
    at = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    naive = at.removesuffix("+00:00")
    calls = [f"imp-{secrets.token_hex(4)}" for _ in range(4)]
    path = tmp_path / "queue.log"
    path.write_text(
        f"offered|{calls[0]}|Q|{at}\n"  # 1
        f"offered|{calls[1]}|IT|{at}\n"  # 2: queue not mapped
        f"both|{calls[2]}|Q|{at}|{at}\n"  # 3: two records, one line
        f"offered|{calls[3]}|Q|{naive}\n"  # 4: no offset, no timezone
        f"login|ag-{calls[0]}|Q|{at}\n"  # 5
    )
    for batch_size, expected in (("2", "3 accepted, 0 duplicates"), ("1000", "0 accepted, 3 dup")):
        result = _callpulse(
            database_url, "import", str(path), "--feed", name, "--batch-size", batch_size
        )
        assert result.returncode == 1, result.stderr
        assert f"{expected}" in result.stderr and "2 rejected" in result.stderr, result.stderr
        reported = _reported(result.stderr)
        assert [line.split(" (")[0] for line in reported] == ["line 2", "line 4"], result.stderr
        assert "queue: source queue 'IT' is not mapped" in reported[0]
        assert "at: " in reported[1] and "no UTC offset" in reported[1]
    stored = pg.execute(
        "SELECT count(*) FROM calls WHERE call_id = ANY(%s) AND answered_at IS NOT NULL",
        ([calls[2]],),
    ).fetchone()
    assert stored == (1,)


def test_import_feed_refuses_kind_or_vendor_and_unknown_feeds(database_url, tenant, tmp_path):
    path = tmp_path / "queue.log"
    path.write_text("")
    both = _callpulse(database_url, "import", str(path), "--feed", "x", "--vendor", tenant.vendor)
    assert both.returncode == 2 and "leave out --kind and --vendor" in both.stderr
    unknown = _callpulse(database_url, "import", str(path), "--feed", f"no-{secrets.token_hex(3)}")
    assert unknown.returncode == 2 and "unknown feed" in unknown.stderr
    neither = _callpulse(database_url, "import", str(path))
    assert neither.returncode == 2 and "give --kind and --vendor" in neither.stderr
