"""`callpulse rejects list|export`: the operator's view of every tenant's rejected records."""

import csv
import io

from tests.cli.test_commands import callpulse
from tests.rejects.helpers import ROWS, seed


def test_list_shows_the_newest_first_with_shortened_errors(database_url, pg, tenant):
    long_error = "queue: " + "x" * 200
    ids = seed(
        pg, tenant, {**ROWS, "r7": ("v", None, "calls", "2026-11-20T03:00:00Z", [long_error], "p")}
    )
    result = callpulse(database_url, "rejects", "list", "--vendor", tenant.vendor, "--limit", "3")
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header.split() == [
        "RECEIVED",
        "TIMEZONE",
        "VENDOR",
        "CLIENT",
        "FEED",
        "KIND",
        "INDEX",
        "ID",
        "ERRORS",
    ]
    assert [line.split()[:4] for line in lines] == [
        ["2026-11-21", "01:00:00", "Europe/Berlin", tenant.vendor],  # r3, its client's time
        ["2026-11-20", "03:00:00", "UTC", tenant.vendor],  # r7: no client, UTC
        ["2026-11-20", "02:00:00", "UTC", tenant.vendor],  # r2
    ]
    assert lines[1].endswith("queue: " + "x" * 62 + "…")  # 70 characters
    assert "key-r3" in lines[0] and "tickets" in lines[0]
    assert "the newest 3 shown" in result.stderr and "rejects export" in result.stderr
    since = callpulse(
        database_url, "rejects", "list", "--vendor", tenant.other_vendor, "--since", "2026-11-22"
    )
    assert [line.split()[3] for line in since.stdout.splitlines()[1:]] == [tenant.other_vendor]
    assert "key-r5" in since.stdout and len(ids) == 7


def test_export_writes_every_row_as_csv(database_url, pg, tenant, tmp_path):
    ids = seed(pg, tenant)
    out = tmp_path / "rejected.csv"
    result = callpulse(
        database_url, "rejects", "export", "--vendor", tenant.vendor, "--since",
        "2026-11-20T01:30:00+00:00", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"2 rejected records written to {out}" in result.stderr
    text = out.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["ID / 编号", "Received at / 接收时间", "Timezone / 时区"]
    assert [(r[0], r[1], r[9]) for r in rows[1:]] == [
        (str(ids["r3"]), "2026-11-21T01:00:00+01:00", "created_at: in the future"),
        (str(ids["r2"]), "2026-11-20T02:00:00+00:00", "queue: unknown queue 'nowhere'"),
    ]
    to_stdout = callpulse(database_url, "rejects", "export", "--vendor", tenant.other_vendor)
    assert to_stdout.returncode == 0 and to_stdout.stdout.count("\n") == 3  # header + r5, r4


def test_bad_options_say_what_to_do(database_url, tenant, tmp_path):
    unknown = callpulse(database_url, "rejects", "list", "--vendor", "no-such-vendor")
    assert unknown.returncode == 2
    assert (
        "--vendor: no vendor has the code 'no-such-vendor'; see `callpulse apply`" in unknown.stderr
    )
    since = callpulse(database_url, "rejects", "export", "--since", "last week")
    assert since.returncode == 2 and "--since: 'last week' is neither a date" in since.stderr
    folder = callpulse(database_url, "rejects", "export", "--out", str(tmp_path / "no" / "x.csv"))
    assert folder.returncode == 2 and "--out: the folder" in folder.stderr
    none = callpulse(database_url, "rejects", "list", "--vendor", tenant.vendor)
    assert none.returncode == 0 and none.stdout == "" and "no rejected records" in none.stderr
