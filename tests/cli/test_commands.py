"""The `callpulse` command, run as a user runs it: a subprocess with DATABASE_URL."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import post


def callpulse(database_url: str, *args: str, input_text: str | None = None):
    """Run `callpulse ARGS` against the test database and return the completed process."""
    env = {**os.environ, "DATABASE_URL": database_url, "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        input=input_text,
        timeout=120,
        check=False,
    )


@pytest.fixture
def yaml_file(tmp_path: Path) -> tuple[Path, str]:
    s = secrets.token_hex(3)
    path = tmp_path / "tenants.yaml"
    path.write_text(f"""
clients:
  - {{code: acme-{s}, name: ACME Bank, timezone: Asia/Shanghai}}
vendors:
  - {{code: va-{s}, name: Vendor A}}
queues:
  - {{code: cards-{s}, client: acme-{s}, vendors: [va-{s}], sl_threshold_s: 20,
     sl_formula: abandoned_negative, short_abandon_s: 0}}
""")
    return path, s


def test_apply_is_idempotent_and_keys_create_prints_only_the_key(database_url, yaml_file, client):
    path, s = yaml_file
    first = callpulse(database_url, "apply", str(path))
    assert first.returncode == 0, first.stderr
    assert "1 clients created" in first.stderr and "1 queues created" in first.stderr
    again = callpulse(database_url, "apply", str(path))
    assert again.returncode == 0 and "nothing changed" in again.stderr
    made = callpulse(database_url, "keys", "create", "--kind", "vendor", "--vendor", f"va-{s}")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert made.stdout == key + "\n" and key.startswith("cpk_")
    record = {"call_id": "cli-1", "queue": f"cards-{s}", "offered_at": "2026-11-20T01:00:00Z"}
    r = client.post("/v1/calls", json=record, headers={"Authorization": f"Bearer {key}"})
    assert r.json()["accepted"] == 1


def test_apply_change_updates_queue(database_url, yaml_file, pg):
    path, s = yaml_file
    callpulse(database_url, "apply", str(path))
    path.write_text(path.read_text().replace("sl_threshold_s: 20", "sl_threshold_s: 30"))
    changed = callpulse(database_url, "apply", str(path))
    assert "1 queues updated" in changed.stderr
    threshold = pg.execute("SELECT sl_threshold_s FROM queues WHERE code = %s", [f"cards-{s}"])
    assert threshold.fetchone()[0] == 30


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("queues: [{code: x1, client: nobody}]", "queues[0] (x1).client: unknown client 'nobody'"),
        ("queues: [{code: x2, client: c, sl_formula: magic}]", "queues[0] (x2).sl_formula: input"),
        (
            "clients: [{code: c3, name: C, timezone: Mars/Base}]",
            "clients[0] (c3).timezone: unknown timezone 'Mars/Base'",
        ),
        ("clients: [{code: c4, nam: C}]", "clients[0] (c4).nam: unknown key"),
        ("clients: [{code: c4, nam: C}", "not valid YAML"),
        ("widgets: []", "widgets: unknown section"),
        ("vendors: [{code: v5}]", "vendors[0] (v5).name: required"),
        (
            "queues: [{code: x6, client: c, targets: {aht_s: {min: 300, max: 200}}}]",
            "queues[0] (x6).targets.aht_s: min 300 is above max 200",
        ),
        (
            "queues: [{code: x7, client: c, targets: {service_level: {}}}]",
            "queues[0] (x7).targets.service_level: give `min`, `max` or both",
        ),
        (
            "queues: [{code: x8, client: c, targets: {mood: {min: 1}}}]",
            "queues[0] (x8).targets.mood",
        ),
    ],
)
def test_apply_bad_yaml_names_entry_and_field(database_url, tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = callpulse(database_url, "apply", str(path))
    assert result.returncode == 2
    assert message.lower() in result.stderr.lower(), result.stderr
    assert "Traceback" not in result.stderr


def test_keys_create_errors_say_what_to_do(database_url):
    result = callpulse(database_url, "keys", "create", "--kind", "vendor", "--vendor", "ghost")
    assert result.returncode == 2 and result.stdout == ""
    assert "unknown vendor 'ghost': add it with `callpulse apply` first" in result.stderr
    result = callpulse(database_url, "keys", "create", "--kind", "vendor")
    assert "--vendor CODE is required" in result.stderr


def test_import_uses_the_same_validation_and_writer(database_url, tenant, tmp_path, client, pg):
    rows = ["call_id,queue,offered_at,answered_at,csat"]
    rows += [
        f"imp-{i},{tenant.queue},2026-11-20T01:{i % 60:02d}:00Z,,{i % 100}" for i in range(2500)
    ]
    rows += [f"imp-bad,{tenant.queue},2026-11-20T01:00:00,,"]
    path = tmp_path / "calls.csv"
    path.write_text("\n".join(rows) + "\n")
    result = callpulse(
        database_url, "import", str(path), "--kind", "calls", "--vendor", tenant.vendor
    )
    assert result.returncode == 1, result.stderr
    assert "2500 accepted, 0 duplicates, 1 rejected" in result.stderr
    assert "line 2502 (imp-bad): offered_at: timestamp needs a UTC offset" in result.stderr
    assert "importing calls.csv" in result.stderr  # the progress bar
    again = callpulse(
        database_url, "import", str(path), "--kind", "calls", "--vendor", tenant.vendor
    )
    assert "0 accepted, 2500 duplicates, 1 rejected" in again.stderr
    stored = pg.execute(
        "SELECT count(*) FROM calls c JOIN clients k ON k.id = c.client_id WHERE k.code = %s",
        [tenant.client],
    ).fetchone()[0]
    assert stored == 2500
    # the same records over HTTP are duplicates too: one writer, one set of rules
    http = post(
        client,
        "/v1/calls",
        [
            {
                "call_id": "imp-7",
                "queue": tenant.queue,
                "offered_at": "2026-11-20T01:07:00Z",
                "csat": 7,
            }
        ],
        tenant,
    )
    assert http.json()["duplicates"] == 1


def test_import_ndjson_events(database_url, tenant, tmp_path):
    events = [
        {"agent": "nd-a", "state": s, "at": f"2026-11-20T01:0{i}:00Z", "queues": [tenant.queue]}
        for i, s in enumerate(["available", "talking", "acw"])
    ]
    path = tmp_path / "agents.ndjson"
    path.write_text("\n".join(json.dumps(e) for e in events))
    result = callpulse(
        database_url, "import", str(path), "--kind", "agent-events", "--vendor", tenant.vendor
    )
    assert result.returncode == 0, result.stderr
    assert "3 accepted" in result.stderr


def test_changing_threshold_through_apply_recomputes_history(database_url, tmp_path, client, pg):
    s = secrets.token_hex(3)
    path = tmp_path / "t.yaml"
    text = f"""
clients: [{{code: th-{s}, name: T, timezone: UTC}}]
vendors: [{{code: thv-{s}, name: V}}]
queues: [{{code: thq-{s}, client: th-{s}, vendors: [thv-{s}], sl_threshold_s: 20}}]
"""
    path.write_text(text)
    assert callpulse(database_url, "apply", str(path)).returncode == 0
    key = callpulse(database_url, "keys", "create", "--kind", "admin").stdout.strip()
    vendor_key = callpulse(
        database_url, "keys", "create", "--kind", "vendor", "--vendor", f"thv-{s}"
    ).stdout.strip()
    calls = [
        {
            "call_id": f"t{i}",
            "queue": f"thq-{s}",
            "offered_at": "2026-11-20T01:00:00Z",
            "answered_at": f"2026-11-20T01:00:{w:02d}Z",
        }
        for i, w in enumerate((10, 25, 40))
    ]
    client.post("/v1/calls", json=calls, headers={"Authorization": f"Bearer {vendor_key}"})
    first = callpulse(database_url, "aggregate")
    assert first.returncode == 0 and "recomputed" in first.stderr

    def service_level():
        return client.get(
            "/v1/metrics",
            params={
                "queue": f"thq-{s}",
                "from": "2026-11-20",
                "to": "2026-11-21",
                "granularity": "day",
            },
            headers={"Authorization": f"Bearer {key}"},
        ).json()["series"][0]["service_level"]

    assert service_level() == 1 / 3
    path.write_text(text.replace("sl_threshold_s: 20", "sl_threshold_s: 30"))
    changed = callpulse(database_url, "apply", str(path))
    assert "marked for recomputation" in changed.stderr
    assert callpulse(database_url, "aggregate").returncode == 0
    assert service_level() == 2 / 3
    rebuilt = callpulse(
        database_url,
        "aggregate",
        "--rebuild",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-21",
        "--queue",
        f"thq-{s}",
    )
    assert rebuilt.returncode == 0 and "rebuilt 1 week(s) of intervals" in rebuilt.stderr
    assert service_level() == 2 / 3


def test_apply_stores_hours_idempotently_and_names_bad_hours(database_url, yaml_file, pg, tmp_path):
    path, s = yaml_file
    path.write_text(
        path.read_text().replace(
            "short_abandon_s: 0}",
            'short_abandon_s: 0,\n     hours: {mon-fri: "08:00-20:00", sat: "09:00-17:00"}}',
        )
    )
    first = callpulse(database_url, "apply", str(path))
    assert first.returncode == 0, first.stderr
    stored = pg.execute("SELECT hours FROM queues WHERE code = %s", [f"cards-{s}"]).fetchone()[0]
    assert stored == {d: ["08:00-20:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {
        "sat": ["09:00-17:00"]
    }
    again = callpulse(database_url, "apply", str(path))
    assert again.returncode == 0 and "nothing changed" in again.stderr
    bad = tmp_path / "bad-hours.yaml"
    bad.write_text('queues: [{code: h1, client: c, hours: {mon-fri: "08:00-12:00, 11:00-20:00"}}]')
    result = callpulse(database_url, "apply", str(bad))
    assert result.returncode == 2
    assert "queues[0] (h1).hours: mon-fri: 08:00-12:00 and 11:00-20:00 overlap" in result.stderr
