"""`callpulse import` names the file line of each rejected record, in file order."""

import json

from tests.cli.test_commands import callpulse


def _import(database_url, path, tenant, *extra):
    return callpulse(
        database_url, "import", str(path), "--kind", "calls", "--vendor", tenant.vendor, *extra
    )


def _reported(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.startswith("  line ")]


def test_csv_rejections_name_physical_lines_in_order(database_url, tenant, tmp_path):
    q = tenant.queue
    path = tmp_path / "calls.csv"
    path.write_text(
        "call_id,queue,offered_at,disposition\n"  # line 1
        f"ln-ok-1,{q},2026-11-20T01:00:00Z,\n"  # 2
        "\n"  # 3: blank, skipped
        "ln-queue,nowhere,2026-11-20T01:00:00Z,\n"  # 4: rejected when writing
        f'ln-ok-2,{q},2026-11-20T01:01:00Z,"two\n'  # 5: a quoted field over two lines
        'lines"\n'  # 6
        f"ln-time,{q},2026-11-20T01:00:00,\n"  # 7: rejected when validating
        "ln-short,only-two\n"  # 8: rejected when reading
        "ln-queue-2,nowhere,2026-11-20T01:02:00Z,\n"  # 9
    )
    for batch_size in ("1000", "2"):
        result = _import(database_url, path, tenant, "--batch-size", batch_size)
        assert result.returncode == 1, result.stderr
        reported = _reported(result.stderr)
        assert [line.split(" (")[0] for line in reported] == [
            "line 4",
            "line 7",
            "line 8",
            "line 9",
        ], result.stderr
        assert reported[0].startswith("line 4 (ln-queue): queue")
        assert reported[1].startswith("line 7 (ln-time): offered_at")


def test_ndjson_rejections_name_lines(database_url, tenant, tmp_path):
    good = {"call_id": "nd-ok", "queue": tenant.queue, "offered_at": "2026-11-20T01:00:00Z"}
    bad = {"call_id": "nd-bad", "queue": tenant.queue, "offered_at": "yesterday"}
    path = tmp_path / "calls.ndjson"
    path.write_text(f"{json.dumps(good)}\n\n{{not json\n{json.dumps(bad)}\n")
    result = _import(database_url, path, tenant)
    assert result.returncode == 1, result.stderr
    reported = _reported(result.stderr)
    assert [line.split(" (")[0] for line in reported] == ["line 3", "line 4"], result.stderr
    assert "not valid JSON" in reported[0] and reported[1].startswith("line 4 (nd-bad): offered_at")
