"""Benchmark: does password guessing slow everyone else down?

Starts a live `callpulse serve --no-scheduler` on a fresh database with the failed-login
throttle set out of reach (so every guess costs a full argon2 check), times `GET /health`
alone, then again while `--guessers` clients loop on wrong passwords. Prints p50/p99 of
/health in both phases and what the guessers got (401 checked, 503 refused at once).

    .venv/bin/python bench/login.py [--guessers 4] [--seconds 15]
"""

import argparse
import collections
import multiprocessing
import os
import statistics
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as EventType

import httpx
from common import fresh_database, p95, serve

from app.access.users import create_user

PORT = 8791


def probe(base: str, seconds: float) -> list[float]:
    """Time GET /health about 20 times a second for `seconds`; return the latencies in ms."""
    latencies, until = [], time.monotonic() + seconds
    with httpx.Client(base_url=base, timeout=60) as http:
        while time.monotonic() < until:
            began = time.perf_counter()
            http.get("/health").raise_for_status()
            latencies.append((time.perf_counter() - began) * 1000)
            time.sleep(0.05)
    return latencies


def guess(base: str, username: str, stop: EventType, outcomes: Queue) -> None:
    """Post wrong passwords for `username` until told to stop; report the statuses.

    Each guesser is a process of its own, so the probe's timings share no GIL with them.
    """
    counts: collections.Counter[int] = collections.Counter()
    with httpx.Client(base_url=base, timeout=60) as http:
        while not stop.is_set():
            form = {"username": username, "password": "not-the-password"}
            counts[http.post("/login", data=form).status_code] += 1
    outcomes.put(counts)


def summary(latencies: list[float]) -> str:
    ranked = sorted(latencies)
    p99 = ranked[min(len(ranked) - 1, round(0.99 * len(ranked)))]
    return (
        f"p50 {statistics.median(latencies):7.1f} ms  p95 {p95(latencies):7.1f} ms  "
        f"p99 {p99:7.1f} ms  max {max(latencies):7.1f} ms  ({len(latencies)} requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guessers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    database, _, where = fresh_database("bench_login")
    with database.session_scope() as session:
        for i in range(args.guessers):
            create_user(session, f"victim{i}", "the-real-password", "admin")
    os.environ["CALLPULSE_LOGIN_MAX_FAILURES_PER_USER"] = "1000000"
    os.environ["CALLPULSE_LOGIN_MAX_FAILURES_PER_ADDRESS"] = "1000000"
    server = serve(database.url, PORT, "--no-scheduler")
    base = f"http://127.0.0.1:{PORT}"
    try:
        print(f"callpulse serve on {where}; {args.guessers} guessers, {args.seconds:g} s each")
        print("/health alone:           ", summary(probe(base, args.seconds)))
        stop, reports = multiprocessing.Event(), multiprocessing.Queue()
        guessers = [
            multiprocessing.Process(target=guess, args=(base, f"victim{i}", stop, reports))
            for i in range(args.guessers)
        ]
        for guesser in guessers:
            guesser.start()
        began = time.monotonic()
        under_attack = probe(base, args.seconds)
        stop.set()
        outcomes: collections.Counter[int] = sum(
            (reports.get() for _ in guessers), collections.Counter()
        )
        for guesser in guessers:
            guesser.join()
        elapsed = time.monotonic() - began
        print("/health while guessing:  ", summary(under_attack))
        total = sum(outcomes.values())
        print(f"guesses: {total / elapsed:.1f}/s, by status {dict(sorted(outcomes.items()))}")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
