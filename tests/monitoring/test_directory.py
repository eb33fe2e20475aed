"""The metrics directory `serve` and `worker` share: stale files go, a bad one never stops
CallPulse, and it must be chosen before prometheus-client is imported."""

import os
import subprocess
import sys
from pathlib import Path


def run(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )


def use(directory: Path, before: str = "") -> subprocess.CompletedProcess:
    return run(
        f"{before}import os; from pathlib import Path; from app.core.metrics import use_directory;"
        f" use_directory(Path({str(directory)!r}));"
        " print(os.environ.get('PROMETHEUS_MULTIPROC_DIR'))"
    )


def test_files_of_ended_processes_are_removed_and_live_ones_kept(tmp_path):
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    (tmp_path / f"counter_{ended.pid}.db").write_bytes(b"x")
    (tmp_path / f"histogram_{os.getpid()}.db").write_bytes(b"x")
    result = use(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"histogram_{os.getpid()}.db"]


def test_an_unusable_directory_is_logged_and_each_process_reports_alone(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    result = use(blocker / "metrics")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"
    assert "CALLPULSE_METRICS_DIR" in result.stderr


def test_the_directory_must_be_chosen_before_prometheus_client_is_imported(tmp_path):
    result = use(tmp_path, before="import prometheus_client; ")
    assert result.returncode != 0
    assert "imported before the metrics directory was set" in result.stderr
