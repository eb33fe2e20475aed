"""Push the traffic model to a CallPulse server over its public HTTP API, paced in real time."""

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from app.core.errors import ConfigError
from app.simulate.model import Emit, QueueSpec, Simulation

CATCH_UP = timedelta(hours=2)  # how far back a --speed > 1 run starts


@dataclass
class Tally:
    """What the server said about everything sent."""

    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)


class Pusher:
    """POST records in batches, waiting out 429 and 503 answers as the server asks."""

    def __init__(self, url: str, key: str, batch: int = 1000) -> None:
        self.http = httpx.Client(
            base_url=url.rstrip("/"), timeout=60, headers={"Authorization": f"Bearer {key}"}
        )
        self.batch = batch
        self.tally = Tally()

    def queues(self) -> list[dict]:
        """Return the queues the key may write to."""
        response = self.http.get("/v1/queues")
        if response.status_code == 401:
            raise ConfigError("the server refused the key: create one with `callpulse keys create`")
        response.raise_for_status()
        return response.json()["queues"]

    def send(self, emits: Iterable[Emit]) -> None:
        """Send records grouped by endpoint, in batches, keeping their order."""
        by_path: dict[str, list[dict]] = defaultdict(list)
        for emit in emits:
            by_path[emit.path].append(emit.record)
        paths = ("/v1/schedules", "/v1/forecasts", "/v1/agent-events", "/v1/calls")
        # evaluations last: they need their calls
        for path in (*paths, "/v1/call-events", "/v1/tickets", "/v1/qa-evaluations"):
            records = by_path.get(path, [])
            for start in range(0, len(records), self.batch):
                self._post(path, records[start : start + self.batch])

    def _post(self, path: str, records: list[dict]) -> None:
        for _ in range(10):
            response = self.http.post(path, json=records)
            if response.status_code in (429, 503):
                time.sleep(float(response.headers.get("retry-after", "1")))
                continue
            if response.status_code != 200:
                raise ConfigError(
                    f"{path}: the server answered {response.status_code}: {response.text[:300]}"
                )
            body = response.json()
            self.tally.sent += len(records)
            self.tally.accepted += body["accepted"]
            self.tally.duplicates += body["duplicates"]
            self.tally.rejected += [
                f"{path} {r['id']}: {'; '.join(r['errors'])}" for r in body["rejected"]
            ]
            return
        raise ConfigError(f"{path}: the server kept answering 429/503; is it overloaded?")


def parse_surge(text: str) -> tuple[str, float, float]:
    """Read `QUEUE:FACTOR@MIN` (e.g. `acme-cards:4@2`)."""
    try:
        queue, rest = text.split(":", 1)
        factor, minute = rest.split("@", 1)
        return queue, float(factor), float(minute)
    except ValueError as exc:
        raise ConfigError(
            f"--surge {text!r}: write QUEUE:FACTOR@MINUTE, e.g. acme-cards:4@2"
        ) from exc


def queue_specs(
    available: list[dict],
    wanted: list[str] | None,
    surges: list[tuple[str, float, datetime]],
    peak: float,
    agents: int,
) -> list[QueueSpec]:
    """Pick the queues to simulate and attach their surges."""
    known = {q["code"]: q for q in available}
    missing = [code for code in wanted or [] if code not in known]
    if missing:
        raise ConfigError(f"--queues: this key cannot write to {', '.join(missing)}")
    chosen = [known[c] for c in wanted] if wanted else available
    if not chosen:
        raise ConfigError("this key serves no queue: add the vendor to a queue with `apply`")
    surge_at = {queue: (factor, at) for queue, factor, at in surges}
    return [
        QueueSpec(
            q["code"], ZoneInfo(q["timezone"]), peak, agents, *surge_at.get(q["code"], (1.0, None))
        )
        for q in chosen
    ]


def backfill(
    pusher: Pusher,
    queues: list[QueueSpec],
    days: float,
    until: datetime,
    seed: int,
    progress: Callable[[float], None],
) -> None:
    """Write `days` of complete history before `until` as fast as the server takes it."""
    start = until - timedelta(days=days)
    sim = Simulation(queues, start, seed=seed, cdr=True)
    cursor = start
    while cursor < until:
        step = min(cursor + timedelta(hours=6), until)
        pusher.send(sim.run(step))
        progress((step - cursor) / timedelta(days=1))
        cursor = step


def live(
    pusher: Pusher,
    queues: list[QueueSpec],
    speed: float,
    seed: int,
    duration_s: float | None,
    wall_start: datetime,
) -> None:
    """Send events as they happen; with speed > 1, fast-forward from two hours ago first."""
    sim_start = wall_start - (CATCH_UP if speed > 1 else timedelta(0))
    sim = Simulation(queues, sim_start, seed=seed + 1)
    began = time.monotonic()
    while duration_s is None or time.monotonic() - began < duration_s:
        elapsed = time.monotonic() - began
        wall = wall_start + timedelta(seconds=elapsed)
        clock = min(sim_start + timedelta(seconds=elapsed * speed), wall)
        pusher.send(list(sim.run(clock)))
        time.sleep(0.5)


def surge_times(
    surges: list[str], wall_start: datetime, speed: float
) -> list[tuple[str, float, datetime]]:
    """Turn `QUEUE:FACTOR@MIN` into the simulated moment the surge starts."""
    sim_start = wall_start - (CATCH_UP if speed > 1 else timedelta(0))
    result = []
    for text in surges:
        queue, factor, minute = parse_surge(text)
        at = min(
            sim_start + timedelta(minutes=minute * speed), wall_start + timedelta(minutes=minute)
        )
        result.append((queue, factor, at))
    return result
