"""Benchmark: ingest under overload degrades gracefully and recovers; a soak stays flat.

Starts a live `callpulse serve` (scheduler on: aggregation every second, as in production)
on a fresh database and pushes CDRs timestamped "now" in batches to 10 queues:

1. capacity: a closed loop with `--in-flight` requests outstanding (the server's
   CALLPULSE_MAX_INGEST_IN_FLIGHT) for `--capacity-seconds`: accepted records/s at saturation;
2. normal: 0.5 × capacity offered (open loop: requests sent on a clock, whatever the answers)
   for 20 s, the baseline of "back to normal";
3. overload: 2 × capacity offered for 60 s;
4. recovery: 0.5 × capacity for 60 s.

Prints accepted records/s (target ≥ 90 % of capacity), p99 of accepted requests (≤ 2 s), time
to answer rejections (≤ 100 ms), and time back to normal after the drop (≤ 10 s: from then on
every second has no rejection and a p99 within 2 × the normal phase's), each beside the
same-run capacity figures. `--soak` instead runs 0.5 × capacity for 10 minutes and prints p99
per minute (target: flat).

    .venv/bin/python bench/overload.py [--batch 100] [--in-flight 8] [--soak]

Uses DATABASE_URL's server when set, else an embedded PostgreSQL in a temporary directory.
The load generator runs on the same machine and shares its cores.
"""

import argparse
import asyncio
import itertools
import os
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from common import fresh_database, percentile, serve, tenants

QUEUES = [f"ov-q{i}" for i in range(10)]
KEEP_ALIVE_S = 3  # uvicorn closes connections idle for 5 s


@dataclass
class Sample:
    """One request: when it was sent (s since the phase began), how long, what came back."""

    sent_s: float
    took_s: float
    status: int
    accepted: int
    busy: bool = False


class Connections:
    """A minimal HTTP/1.1 keep-alive client: the load generator shares the server's cores,
    so it must cost far less per request than the server does."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
        self.idle: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST `body` and return the status and the answer's body."""
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n".encode()
            + self.head
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        while self.idle:
            idle_since, reader, writer = self.idle.pop()
            if time.monotonic() - idle_since < KEEP_ALIVE_S:
                break
            writer.close()  # the server may have closed it already
        else:
            reader, writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        try:
            writer.write(request)
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
            length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
            answer = await reader.readexactly(length)
        except BaseException:
            writer.close()
            raise
        if "connection: close" in head:
            writer.close()
        else:
            self.idle.append((time.monotonic(), reader, writer))
        return int(head[9:12]), answer

    def close(self) -> None:
        """Close every idle connection."""
        for _, _, writer in self.idle:
            writer.close()


class Load:
    """Sends batches of fresh CDRs to `/v1/calls` and records each answer."""

    def __init__(self, http: Connections, batch: int) -> None:
        self.http = http
        self.batch = batch
        self.ids = itertools.count()
        self.rng = random.Random(11)
        self.times: list[tuple[str, str, str]] = []
        self.times_at = 0.0

    def body(self) -> bytes:
        """Return a batch of complete CDRs offered within the last ten minutes."""
        if time.monotonic() - self.times_at > 30:  # timestamps made once per 30 s: cheap
            self.times, self.times_at = self._times(), time.monotonic()
        calls = []
        for _ in range(self.batch):
            offered, answered, ended = self.rng.choice(self.times)
            calls.append(
                {
                    "call_id": f"ov-{next(self.ids)}",
                    "queue": self.rng.choice(QUEUES),
                    "offered_at": offered,
                    "answered_at": answered,
                    "ended_at": ended,
                    "agent": f"a{self.rng.randrange(100):02d}",
                }
            )
        return orjson.dumps(calls)

    def _times(self) -> list[tuple[str, str, str]]:
        now, times = datetime.now(UTC), []
        for _ in range(2000):
            offered = now - timedelta(seconds=self.rng.uniform(60, 600))
            answered = offered + timedelta(seconds=self.rng.expovariate(1 / 20))
            ended = answered + timedelta(seconds=self.rng.uniform(20, 300))
            times.append((offered.isoformat(), answered.isoformat(), ended.isoformat()))
        return times

    async def send(self, began: float, samples: list[Sample]) -> None:
        """Send one batch and record the answer (status 0: no answer at all)."""
        body, sent = self.body(), time.perf_counter()
        try:
            status, raw = await asyncio.wait_for(self.http.post("/v1/calls", body), 60)
            answer = orjson.loads(raw)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError, IndexError):
            status, answer = 0, {}
        took = time.perf_counter() - sent
        busy = status == 503 and "server busy" in str(answer.get("error"))
        accepted = answer.get("accepted", 0) + answer.get("duplicates", 0) if status == 200 else 0
        samples.append(Sample(sent - began, took, status, accepted, busy))

    async def closed_loop(self, in_flight: int, seconds: float) -> list[Sample]:
        """Keep `in_flight` requests outstanding for `seconds`."""
        samples: list[Sample] = []
        began = time.perf_counter()

        async def client() -> None:
            while time.perf_counter() - began < seconds:
                await self.send(began, samples)
                if samples[-1].status != 200:
                    await asyncio.sleep(0.05)

        await asyncio.gather(*(client() for _ in range(in_flight)))
        return samples

    async def open_loop(self, records_per_s: float, seconds: float) -> list[Sample]:
        """Send requests on a clock at `records_per_s`, whatever the answers."""
        samples: list[Sample] = []
        every = self.batch / records_per_s
        began = time.perf_counter()
        tasks = []
        for n in itertools.count():
            due = began + n * every
            if due - began >= seconds:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(self.send(began, samples)))
        await asyncio.gather(*tasks)
        return samples


@dataclass
class Figures:
    """What one phase did."""

    seconds: float
    offered_rps: float
    accepted_rps: float
    p50_s: float
    p99_s: float
    busy: int
    busy_p99_s: float
    busy_max_s: float
    failed: dict[int, int]
    requests: int


def figures(samples: list[Sample], seconds: float, batch: int) -> Figures:
    """Summarise a phase: rates, latency of accepted requests, rejections and failures."""
    ok = [s.took_s for s in samples if s.status == 200]
    busy = [s.took_s for s in samples if s.busy]
    return Figures(
        seconds=seconds,
        offered_rps=len(samples) * batch / seconds,
        accepted_rps=sum(s.accepted for s in samples if s.sent_s + s.took_s <= seconds) / seconds,
        p50_s=percentile(ok, 50) if ok else float("nan"),
        p99_s=percentile(ok, 99) if ok else float("nan"),
        busy=len(busy),
        busy_p99_s=percentile(busy, 99) if busy else 0.0,
        busy_max_s=max(busy, default=0.0),
        failed=dict(Counter(s.status for s in samples if s.status != 200 and not s.busy)),
        requests=len(samples),
    )


def back_to_normal_s(samples: list[Sample], normal_p99_s: float) -> float:
    """Seconds after the drop until every later second has no rejection and a normal p99."""
    last = int(max((s.sent_s for s in samples), default=0))
    for start in range(last + 1):
        later = [s for s in samples if s.sent_s >= start]
        by_second: dict[int, list[Sample]] = {}
        for s in later:
            by_second.setdefault(int(s.sent_s), []).append(s)
        if all(
            not any(x.busy or x.status != 200 for x in window)
            and percentile([x.took_s for x in window], 99) <= 2 * normal_p99_s
            for window in by_second.values()
        ):
            return float(start)
    return float("inf")


def abnormal_seconds(
    samples: list[Sample], normal_p99_s: float
) -> list[tuple[int, float, int, int]]:
    """Return (second, p99, requests, refused) of each second failing `back_to_normal_s`."""
    by_second: dict[int, list[Sample]] = {}
    for s in samples:
        by_second.setdefault(int(s.sent_s), []).append(s)
    found = []
    for second, window in sorted(by_second.items()):
        p99 = percentile([x.took_s for x in window], 99)
        refused = sum(x.busy or x.status != 200 for x in window)
        if refused or p99 > 2 * normal_p99_s:
            found.append((second, p99, len(window), refused))
    return found


def show(name: str, f: Figures, capacity: Figures) -> None:
    """Print one phase beside the capacity baseline."""
    print(
        f"{name:<22} offered {f.offered_rps:>7,.0f} rec/s  accepted {f.accepted_rps:>7,.0f} rec/s"
        f" ({f.accepted_rps / capacity.accepted_rps:>4.0%} of capacity)"
        f"  p50 {f.p50_s * 1000:>6.0f} ms  p99 {f.p99_s * 1000:>6.0f} ms"
        f" (capacity p99 {capacity.p99_s * 1000:.0f} ms)"
    )
    if f.busy or f.failed:
        print(
            f"{'':<22} {f.busy:,} of {f.requests:,} requests refused 503 server busy, answered in"
            f" p99 {f.busy_p99_s * 1000:.0f} ms / max {f.busy_max_s * 1000:.0f} ms;"
            f" other answers {f.failed or 'none'} (status 0: no answer)"
        )


async def run(args: argparse.Namespace, port: int, key: str) -> None:
    """Measure capacity, then run the overload steps or the soak, printing as it goes."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    http = Connections("127.0.0.1", port, headers)
    lags: list[float] = []
    probe = asyncio.create_task(loop_lag(lags))
    try:
        load = Load(http, args.batch)
        await load.closed_loop(args.in_flight, 5)  # warm up
        samples = await load.closed_loop(2 * args.in_flight, args.capacity_seconds)
        capacity = figures(samples, args.capacity_seconds, args.batch)
        show("capacity (saturated)", capacity, capacity)
        half, double = capacity.accepted_rps / 2, capacity.accepted_rps * 2
        if args.soak:
            await soak(load, half, capacity)
            return
        normal = figures(await load.open_loop(half, 20), 20, args.batch)
        show("normal 0.5× (20 s)", normal, capacity)
        overload = figures(await load.open_loop(double, 60), 60, args.batch)
        show("overload 2× (60 s)", overload, capacity)
        after = await load.open_loop(half, 60)
        show("after the drop 0.5×", figures(after, 60, args.batch), capacity)
        recovered = back_to_normal_s(after, normal.p99_s)
        outliers = abnormal_seconds(after, normal.p99_s)
    finally:
        probe.cancel()
        http.close()
    print()
    print(
        f"accepted under 2× load: {overload.accepted_rps / capacity.accepted_rps:.0%} of"
        f" capacity {capacity.accepted_rps:,.0f} rec/s (target ≥ 90 %)"
    )
    print(
        f"p99 of accepted requests under 2× load: {overload.p99_s:.2f} s"
        f" (capacity p99 {capacity.p99_s:.2f} s; target ≤ 2 s)"
    )
    print(
        f"rejections answered in: p99 {overload.busy_p99_s * 1000:.0f} ms,"
        f" max {overload.busy_max_s * 1000:.0f} ms (target ≤ 100 ms)"
    )
    print(
        f"the load generator's own event loop woke up late by p99 {percentile(lags, 99) * 1000:.0f}"
        " ms (scheduling noise included in every figure above)"
    )
    print(
        f"back to normal after the drop: {recovered:.0f} s (target ≤ 10 s; normal p99"
        f" {normal.p99_s * 1000:.0f} ms)"
    )
    if outliers:  # what held recovery back: a trend, or lone slow seconds (noise, vacuum)?
        print(
            "  seconds after the drop that were not normal (second: p99 ms / requests / refused):"
            f" {', '.join(f'{t}: {p * 1000:.0f}/{n}/{b}' for t, p, n, b in outliers)}"
        )


async def loop_lag(lags: list[float]) -> None:
    """Record how late this process's own event loop wakes up (the machine's share of noise)."""
    while True:
        began = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - began - 0.01)


async def soak(load: Load, rate: float, capacity: Figures) -> None:
    """Offer `rate` for ten minutes and print p99 per minute beside the capacity baseline."""
    p99s = []
    for minute in range(1, 11):
        f = figures(await load.open_loop(rate, 60), 60, load.batch)
        p99s.append(f.p99_s)
        show(f"soak minute {minute:>2}", f, capacity)
    print()
    print(
        f"soak p99 per minute: first {p99s[0] * 1000:.0f} ms, last {p99s[-1] * 1000:.0f} ms,"
        f" max {max(p99s) * 1000:.0f} ms (capacity p99 {capacity.p99_s * 1000:.0f} ms;"
        " target: flat)"
    )


def main() -> None:
    """Start the server, run the load, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=100, help="records per request")
    parser.add_argument("--in-flight", type=int, default=8, help="server's ingest bound")
    parser.add_argument("--capacity-seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=1, help="callpulse serve --workers")
    parser.add_argument("--port", type=int, default=8795)
    parser.add_argument("--soak", action="store_true", help="10 minutes at 0.5 × capacity")
    args = parser.parse_args()
    database, _, where = fresh_database("callpulse_bench_overload")
    keys = tenants(database, QUEUES)
    database.dispose()
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f};"
        f" CDRs in batches of {args.batch} to {len(QUEUES)} queues; callpulse serve --workers"
        f" {args.workers}, CALLPULSE_MAX_INGEST_IN_FLIGHT={args.in_flight}, on {where}"
    )
    log = Path(tempfile.mkdtemp(prefix="callpulse-overload-")) / "serve.log"
    process = serve(
        database.url,
        args.port,
        "--workers",
        str(args.workers),
        env={"CALLPULSE_MAX_INGEST_IN_FLIGHT": str(args.in_flight)},
        log=log,
    )
    try:
        asyncio.run(run(args, args.port, keys["vendor_key"]))
    finally:
        process.terminate()
        process.wait(10)
    errors = sum(1 for line in log.read_text().splitlines() if "ERROR" in line)
    print(f"server log: {log} ({errors} ERROR lines); load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
