"""The Prometheus instruments are created once, even when threads ask for them together."""

import subprocess
import sys

RACE = """
import sys, threading
sys.setswitchinterval(1e-6)
from app.core import metrics
start = threading.Barrier(16)
failures = []
def first_use():
    start.wait()
    try:
        metrics.instruments()
    except Exception as exc:
        failures.append(repr(exc))
threads = [threading.Thread(target=first_use) for _ in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print(len({id(metrics.instruments())}), failures[:1])
"""


def test_threads_asking_at_once_share_one_set_of_instruments():
    for _ in range(5):  # a fresh process each time: the first use is what races
        run = subprocess.run(
            [sys.executable, "-c", RACE], capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.stdout.strip() == "1 []", run.stdout
