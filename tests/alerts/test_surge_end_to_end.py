"""The issue's done-when: a surge from `callpulse simulate --surge` reaches a webhook in a minute.

Real pieces end to end: the simulator CLI pushes over HTTP to a live server, the alert
evaluation runs on the scheduler's cadence, and a local HTTP receiver gets the webhook.
"""

import secrets
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

from app.access.keys import create_key
from app.alerts.service import evaluate_all
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from tests.alerts.receivers import HttpReceiver
from tests.kpi.helpers import client_id


def peak_hour_timezone() -> str:
    """Return a fixed-offset zone whose local clock reads about 10:00 now (the model's peak)."""
    offset = (10 - datetime.now(UTC).hour + 12) % 24 - 12
    return f"Etc/GMT{-offset:+d}" if offset else "UTC"  # Etc/GMT-8 is UTC+8


def test_simulated_surge_reaches_a_webhook_within_a_minute(live_server, database, settings, pg):
    receiver = HttpReceiver()
    s = secrets.token_hex(4)
    queue = f"surge{s}"
    spec = {
        "clients": [{"code": f"sc{s}", "name": "Surging client", "timezone": peak_hour_timezone()}],
        "vendors": [{"code": f"sv{s}", "name": "Vendor"}],
        "queues": [{"code": queue, "client": f"sc{s}", "vendors": [f"sv{s}"]}],
        "notifiers": [{"name": f"floor-{s}", "type": "webhook", "url": receiver.url}],
        "alert_rules": [
            {
                "name": f"surge-{s}",
                "queues": [queue],
                "metric": "surge",
                "window_min": 10,
                "op": ">",
                "threshold": 1.5,
                "min_volume": 10,
                "severity": "critical",
                "notify": [f"floor-{s}"],
            }
        ],
    }
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate(spec))
        key = create_key(session, "vendor", vendor_code=f"sv{s}")
    cid = client_id(pg, f"sc{s}")
    stop = threading.Event()

    def scheduler() -> None:  # the alerts job's cadence, limited to this test's client
        while not stop.wait(settings.alerts_every_s):
            evaluate_all(database, settings, client_id=cid)

    simulate = [sys.executable, "-c", "from app.cli import main; main()", "simulate"]
    simulator = subprocess.Popen(
        [
            *simulate,
            *("--url", live_server, "--key", key, "--queues", queue),
            *("--surge", f"{queue}:15@0.25", "--peak", "240", "--agents", "4"),
            *("--duration", "90"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    surge_began = time.monotonic() + 15
    threading.Thread(target=scheduler, daemon=True).start()
    try:
        deadline = surge_began + 75
        while not receiver.requests and time.monotonic() < deadline:
            assert simulator.poll() is None, simulator.stderr.read().decode()[-2000:]
            time.sleep(0.2)
        reached_after = time.monotonic() - surge_began
    finally:
        stop.set()
        simulator.terminate()
        simulator.wait(10)
        receiver.close()
    seen = pg.execute(
        "SELECT count(*), count(answered_at), min(offered_at), max(offered_at) FROM calls"
        " WHERE client_id = %s",
        [cid],
    ).fetchone()
    alerts = pg.execute(
        "SELECT r.name, a.value, a.opened_at FROM alerts a JOIN alert_rules r ON r.id = a.rule_id"
        " WHERE a.client_id = %s",
        [cid],
    ).fetchall()
    assert receiver.requests, f"no webhook within 75 s of the surge; calls {seen}, alerts {alerts}"
    hook = receiver.requests[0]["json"]
    assert (hook["event"], hook["state"], hook["queue"], hook["rule"], hook["metric"]) == (
        "opened",
        "open",
        queue,
        f"surge-{s}",
        "surge",
    )
    assert hook["value"] > hook["threshold"] == 1.5
    assert reached_after <= 60, f"the webhook came {reached_after:.0f} s after the surge"
