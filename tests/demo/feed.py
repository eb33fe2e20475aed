"""The demo's stretch of traffic: a simulated day of the demo's queues, sent over HTTP.

vendor-a's simulator runs acme-cards and acme-loans as `callpulse demo` does (peak 90 calls/h,
12 agents a queue, complete records as its backfill sends them); vendor-b sends a small feed
of its own on acme-loans (the queue both serve), so the contract's figures must leave it out.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from app.simulate.model import QueueSpec, Simulation

SHANGHAI = ZoneInfo("Asia/Shanghai")  # acme's timezone
# The order `callpulse simulate` sends in (app.simulate.runner.Pusher.send): evaluations last.
PATHS = (
    "/v1/schedules",
    "/v1/forecasts",
    "/v1/agent-events",
    "/v1/calls",
    "/v1/tickets",
    "/v1/qa-evaluations",
)
AFTER_DAY = timedelta(hours=4)  # the stretch runs on: calls of the evening end, callbacks made
B_PATHS = ("/v1/agent-events", "/v1/calls", "/v1/tickets", "/v1/qa-evaluations")
BATCH = 1000
# The demo runs seed 1; seed 7's day has a fatal QA error and a valid complaint among the
# e-mails resolved within the stretch, so no figure is at a trivial bound.
SEED = 7


@dataclass
class Stretch:
    """What each vendor sent, by path, and the day the stretch covers."""

    day: datetime  # local midnight
    sent: dict[str, dict[str, list[dict]]] = field(default_factory=dict)  # vendor → path → records

    @property
    def end(self) -> datetime:
        """Return the day's end: the next local midnight."""
        return datetime.combine(self.day.date() + timedelta(days=1), time(), SHANGHAI)


def simulations(day: datetime) -> dict[str, Simulation]:
    """Return each vendor's simulator from `day`'s start: vendor-a's on the contract's queues
    as the demo runs it, and a smaller vendor-b one on acme-loans."""
    queues = [QueueSpec("acme-cards", SHANGHAI), QueueSpec("acme-loans", SHANGHAI)]
    small = [QueueSpec("acme-loans", SHANGHAI, peak_calls_per_hour=20, agents=4)]
    return {
        "vendor-a": Simulation(queues, day, seed=SEED, cdr=True),
        "vendor-b": Simulation(small, day, seed=3, cdr=True),
    }


def step(sims: dict[str, Simulation], until: datetime) -> dict[str, dict[str, list[dict]]]:
    """Return what each vendor sends up to `until`, by path: vendor-b's agents' codes prefixed
    `b-` (an agent belongs to one vendor) and no schedules or forecasts from it."""
    a = _by_path(sims["vendor-a"].run(until))
    b = _by_path(sims["vendor-b"].run(until))
    return {
        "vendor-a": a,
        "vendor-b": {path: [_prefixed(r) for r in b.get(path, [])] for path in B_PATHS},
    }


def _by_path(emits) -> dict[str, list[dict]]:
    by_path: dict[str, list[dict]] = defaultdict(list)
    for emit in emits:
        by_path[emit.path].append(emit.record)
    return dict(by_path)


def _prefixed(record: dict) -> dict:
    return record | {"agent": f"b-{record['agent']}"} if record.get("agent") else record


def send(
    http: TestClient, sent: dict[str, dict[str, list[dict]]], keys: dict[str, str], stretch: Stretch
) -> None:
    """POST every record as its vendor, in batches, insist that none is rejected, and keep
    it in `stretch.sent`."""
    for vendor, by_path in sent.items():
        kept = stretch.sent.setdefault(vendor, defaultdict(list))
        headers = {"Authorization": f"Bearer {keys[vendor]}"}
        for path in PATHS:
            records = by_path.get(path, [])
            for first in range(0, len(records), BATCH):
                response = http.post(path, json=records[first : first + BATCH], headers=headers)
                assert response.status_code == 200, response.text
                assert response.json()["rejected"] == [], response.json()["rejected"][:3]
            kept[path] += records
