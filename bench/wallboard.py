"""Benchmark: the wallboard with 200 queues and 2,000 agents live, late in a day of state changes.

1. Server time of one refresh of a wallboard showing all 200 queues: the page's one-second
   callback request, captured from Chromium and replayed over HTTP (guard, Dash, live read,
   view, JSON), median and p95 — in full (a new browser) and steady (only changed panels),
   beside the live read alone (and filtered to one client of the link's ten) and one plain
   query over the same raw rows (all waiting calls and latest agent states) as the baseline.
2. Viewers: N screens of that board (N = 1, 10, 50 by default), each sending the same Dash
   refresh request the browser sends once a second (the next one a second after the last
   began, or when it returned if later) and its chart request every 15th refresh, started
   at random moments of the first second, for `--seconds`: the response time p50/p95, the
   refreshes each screen achieved per second (the mean over screens and the slowest
   screen's; 1.00 keeps the page's cadence) and in all, and the server process's CPU per
   refresh. Run once on a quiet floor, and once under `--rate` call events per second
   (default 500) with every screen also following the changes as `wall.js` does (a long
   poll on `/wall/_changes` that answers with new tiles, counted as pushes per second).
3. Event → on screen in a real browser (Debian's Chromium), under the same `--rate` load on
   the board's client, once the screen is live (its stream of changes has brought tiles):
   post a waiting call, time from sending it until the tile's `waiting` number changes;
   p50/p95, beside the POST's own time (the baseline).

    .venv/bin/python bench/wallboard.py [--refreshes 20] [--probes 40] [--viewers 1,10,50]
        [--seconds 20] [--rate 500] [--agent-history 100]
"""

import argparse
import asyncio
import copy
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import httpx
from common import SteadyLoad, cpu_s, fresh_database, p95, serve

from app.access.keys import Principal, create_key
from app.access.users import create_share_link
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.core.db import driver_connection
from dashboards.data import Chosen, snapshot
from tests.dashboards.conftest import CHROMIUM, FLAGS, ensure_chromium

CLIENTS, QUEUES_PER_CLIENT, AGENTS_PER_QUEUE = 10, 20, 10


def seed(database) -> tuple[str, list[str]]:
    """Create 10 clients × 20 queues served by one vendor; return its key and the queues."""
    queues = [f"wb{c:02d}-q{q:02d}" for c in range(CLIENTS) for q in range(QUEUES_PER_CLIENT)]
    spec = TenancyFile.model_validate(
        {
            "clients": [
                {"code": f"wb{c:02d}", "name": f"Client {c}", "timezone": "Asia/Shanghai"}
                for c in range(CLIENTS)
            ],
            "vendors": [{"code": "wb-vendor", "name": "Vendor"}],
            "queues": [{"code": q, "client": q[:4], "vendors": ["wb-vendor"]} for q in queues],
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
        key = create_key(session, "vendor", vendor_code="wb-vendor")
    return key, queues


def load(base: str, key: str, queues: list[str], history: int) -> None:
    """Log 2,000 agents in, each after `history` earlier state changes over the last 20 hours
    (a floor late in its day), and put a few calls in every queue (some waiting)."""
    http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120)
    now = datetime.now(UTC)
    states = ("available", "talking", "acw", "not_ready")
    agents, calls = [], []
    for i, queue in enumerate(queues):
        for a in range(AGENTS_PER_QUEUE):
            for h in range(history, -1, -1):
                at = now - timedelta(seconds=30 + a + h * 20 * 3600 / max(history, 1))
                agents.append(
                    {
                        "agent": f"{queue}-a{a}",
                        "state": states[(i + a + h) % 4],
                        "queues": [queue],
                        "at": at.isoformat(),
                    }
                )
        for c in range(6):
            offered = now - timedelta(seconds=20 + 40 * c)
            call = {"call_id": f"{queue}-c{c}", "queue": queue, "offered_at": offered.isoformat()}
            if c % 3:
                call["answered_at"] = (offered + timedelta(seconds=8)).isoformat()
            calls.append(call)
    for path, records in (("/v1/agent-events", agents), ("/v1/calls", calls)):
        for i in range(0, len(records), 1000):
            http.post(path, json=records[i : i + 1000]).raise_for_status()


def read_times(database, settings, rounds: int) -> tuple[list[float], list[float], list[float]]:
    """Time the live read for an admin viewer, the same filtered to one client, and the
    one-query baseline (after a warm-up)."""
    viewer, one_client = Principal(0, "admin"), Chosen.of(["wb00"], [], [])
    snapshot(database, settings, viewer)
    refreshes, narrowed, baseline = [], [], []
    for _ in range(rounds):
        began = time.perf_counter()
        state = snapshot(database, settings, viewer)
        refreshes.append((time.perf_counter() - began) * 1000)
        assert len(state["queues"]) == CLIENTS * QUEUES_PER_CLIENT
        began = time.perf_counter()
        state = snapshot(database, settings, viewer, one_client)
        narrowed.append((time.perf_counter() - began) * 1000)
        assert len(state["queues"]) == QUEUES_PER_CLIENT
        with database.session_scope() as session:
            began = time.perf_counter()
            driver_connection(session).execute(
                "SELECT (SELECT count(*) FROM calls WHERE answered_at IS NULL"
                " AND ended_at IS NULL AND offered_at > now() - interval '4 hours'),"
                " (SELECT count(*) FROM (SELECT DISTINCT ON (client_id, agent_id) state"
                " FROM agent_state_changes WHERE at > now() - interval '1 day'"
                " ORDER BY client_id, agent_id, at DESC) latest)"
            ).fetchone()
            baseline.append((time.perf_counter() - began) * 1000)
    return refreshes, narrowed, baseline


def refresh_request(url: str) -> tuple[dict, dict]:
    """Open the wallboard in Chromium; capture its one-second refresh request and its
    15-second chart request."""
    from playwright.sync_api import sync_playwright

    captured: dict[str, list[dict]] = {'"tile-data': [], '"interval-chart': []}

    def keep(request) -> None:  # type: ignore[no-untyped-def]
        body = request.post_data or ""
        for output, requests in captured.items():
            if "_dash-update-component" in request.url and output in body:
                requests.append({"url": request.url, "body": json.loads(body)})

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.on("request", keep)
        page.goto(url, wait_until="load")
        page.locator(".tile").first.wait_for(timeout=60_000)
        page.wait_for_timeout(2000)  # the chart asks once the first tile's queue is known
        browser.close()
    return captured['"tile-data'][-1], captured['"interval-chart'][-1]


def refresh_times(token: str, captured: dict, rounds: int) -> tuple[list, list, int]:
    """Replay the refresh: in full (nothing rendered yet) and steady (the last render known),
    each a second after the last, so each computes its state (a lone screen's cost)."""
    http = httpx.Client(cookies={"cp_share": token}, timeout=60)
    path, request = captured["url"], captured["body"]
    http.post(path, json=request).raise_for_status()  # warm-up
    full, steady, size = [], [], 0
    for _ in range(rounds):
        for state in request["state"]:
            state["value"] = {}
        time.sleep(1)  # past the shared state's period: this refresh computes its own
        began = time.perf_counter()
        response = http.post(path, json=request)
        full.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
        size = len(response.content)
        rendered = response.json()["response"]["rendered"]["data"]
        for state in request["state"]:
            state["value"] = rendered
        time.sleep(1)  # the page's cadence: a second later, most panels are unchanged
        began = time.perf_counter()
        http.post(path, json=request).raise_for_status()
        steady.append((time.perf_counter() - began) * 1000)
    return full, steady, size


async def _screen(
    http: httpx.AsyncClient,
    captured: tuple[dict, dict],
    until: float,
    times: list[float],
    pushes: list[int],
    follow_changes: bool,
) -> float:
    """Refresh like one open board until `until` (the chart every 15th refresh) and, when
    `follow_changes`, take the tiles its stream of changes pushes as `wall.js` does (counted in
    `pushes`); return the refreshes per second."""
    (refresh, chart), loop = copy.deepcopy(captured), asyncio.get_running_loop()
    for state in refresh["body"]["state"]:
        state["value"] = {}  # a board just opened: nothing rendered yet
    changes_url = refresh["url"].replace("_dash-update-component", "_changes")

    async def follow() -> None:
        since = None
        while loop.time() < until:
            params = {"wait": max(0.1, until - loop.time())}
            if since is not None:
                params["since"] = since
            async with http.stream("GET", changes_url, params=params) as answer:
                async for line in answer.aiter_lines():
                    body = json.loads(line)
                    since = body["version"]
                    if "tiles" in body:
                        pushes.append(len(body["tiles"]))

    follower = asyncio.create_task(follow()) if follow_changes else None
    await asyncio.sleep(random.random())
    starts: list[float] = []
    due = loop.time()
    while due < until:
        if len(starts) % 15 == 0:
            (await http.post(chart["url"], json=chart["body"])).raise_for_status()
        starts.append(loop.time())
        began = time.perf_counter()
        response = await http.post(refresh["url"], json=refresh["body"])
        times.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
        for state in refresh["body"]["state"]:
            state["value"] = response.json()["response"]["rendered"]["data"]
        due = max(due + 1, loop.time())
        await asyncio.sleep(due - loop.time())
    if follower:
        follower.cancel()
    return (len(starts) - 1) / (starts[-1] - starts[0]) if len(starts) > 1 else 0.0


def viewers_run(
    token: str,
    captured: tuple[dict, dict],
    viewers: int,
    seconds: float,
    pid: int,
    follow_changes: bool,
) -> dict:
    """Run `viewers` screens for `seconds`; return their rates, response times and CPU."""

    async def run() -> list[float]:
        limits = httpx.Limits(  # idle connections closed before uvicorn's 5 s keep-alive ends:
            max_connections=2 * viewers,  # else a request may race the server's close
            max_keepalive_connections=2 * viewers,
            keepalive_expiry=3,
        )
        async with httpx.AsyncClient(
            cookies={"cp_share": token}, timeout=120, limits=limits
        ) as http:
            until = asyncio.get_running_loop().time() + seconds
            return await asyncio.gather(
                *(
                    _screen(http, captured, until, times, pushes, follow_changes)
                    for _ in range(viewers)
                )
            )

    times: list[float] = []
    pushes: list[int] = []
    cpu, own, began = cpu_s(pid), time.process_time(), time.perf_counter()
    rates = asyncio.run(run())
    elapsed, cpu = time.perf_counter() - began, cpu_s(pid) - cpu
    own = time.process_time() - own  # the screens' own client shares the 2 cores
    return {
        "viewers": viewers,
        "per_viewer": statistics.mean(rates),
        "slowest": min(rates),
        "in_all": len(times) / elapsed,
        "p50": statistics.median(times),
        "p95": p95(times),
        "pushes": len(pushes) / elapsed / viewers,
        "cpu_ms": cpu * 1000 / len(times),
        "cpu_share": cpu / elapsed,
        "client_share": own / elapsed,
    }


def screen_latency(base: str, key: str, url: str, queue: str, probes: int) -> tuple[list, list]:
    """Post a waiting call and time from sending it until the browser shows the new waiting
    count, and until the POST answered (none with no probes)."""
    from playwright.sync_api import sync_playwright

    if not probes:
        return [], []

    http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"})
    latencies, posts = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(url, wait_until="load")
        cell = page.locator(f"#waiting-{queue}")
        cell.wait_for(timeout=60_000)
        # live: the stream has brought the tiles once (the load keeps the client busy), so a
        # probe times a screen on the wall, not one still loading its scripts and first data
        page.wait_for_function(
            "() => document.getElementById('tiles').dataset.version", timeout=30_000, polling=10
        )
        for n in range(probes):
            before = cell.inner_text()
            call = {
                "call_id": f"probe-{n}",
                "queue": queue,
                "offered_at": datetime.now(UTC).isoformat(),
            }
            began = time.perf_counter()
            http.post("/v1/calls", json=call).raise_for_status()
            posts.append(time.perf_counter() - began)
            page.wait_for_function(  # a function, not a string: the page's CSP forbids eval
                "([id, before]) => document.getElementById(id).innerText !== before",
                arg=[f"waiting-{queue}", before],
                timeout=30_000,
                polling=10,
            )
            latencies.append(time.perf_counter() - began)
            time.sleep(random.uniform(0.3, 1.3))  # at every phase of the page's 1 s tick
        browser.close()
    return latencies, posts


def main() -> None:
    """Seed, load, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refreshes", type=int, default=20)
    parser.add_argument("--probes", type=int, default=40)
    parser.add_argument("--port", type=int, default=8796)
    parser.add_argument("--viewers", default="1,10,50", help="comma-separated screen counts")
    parser.add_argument("--seconds", type=float, default=20, help="each viewer run's length")
    parser.add_argument("--rate", type=float, default=500, help="call events/s under load")
    parser.add_argument(
        "--agent-history", type=int, default=100, help="earlier state changes of each agent"
    )
    args = parser.parse_args()
    ensure_chromium()  # Debian's, installed as the page tests install it
    database, settings, where = fresh_database("callpulse_bench_wall")
    key, queues = seed(database)
    base = f"http://127.0.0.1:{args.port}"
    process = serve(database.url, args.port)  # with its jobs, as one box runs it
    try:
        load(base, key, queues, args.agent_history)
        reads, narrowed, baseline = read_times(database, settings, args.refreshes)
        with database.session_scope() as session:
            token = create_share_link(session, "bench-tv", "wb00")
            everything = create_share_link(session, "bench-all")
        request, chart = refresh_request(f"{base}/wall/?token={everything}")
        full, steady, size = refresh_times(everything, request, args.refreshes)
        quiet = [
            viewers_run(everything, (request, chart), int(n), args.seconds, process.pid, False)
            for n in args.viewers.split(",")
        ]
        board_queues = queues[:QUEUES_PER_CLIENT]  # wb00's: the TV's client, busy all along
        with SteadyLoad(base, key, board_queues[1:], args.rate) as load_on_client:
            busy = [
                viewers_run(everything, (request, chart), int(n), args.seconds, process.pid, True)
                for n in args.viewers.split(",")
            ]
            latency, posts = screen_latency(
                base, key, f"{base}/wall/?token={token}", queues[0], args.probes
            )
    finally:
        process.terminate()
        process.wait(10)
    agents = len(queues) * AGENTS_PER_QUEUE
    print(
        f"{len(queues)} queues, {agents:,} agents with {args.agent_history + 1:,} state changes"
        f" each today, on {where}"
    )
    print(
        f"one refresh (all 200 queues, HTTP): full median {statistics.median(full):.0f} ms,"
        f" p95 {p95(full):.0f} ms ({size / 1024:.0f} KiB); steady median"
        f" {statistics.median(steady):.0f} ms, p95 {p95(steady):.0f} ms (target p95 ≤ 150 ms)"
    )
    print(
        f"  of which the live read: median {statistics.median(reads):.0f} ms,"
        f" p95 {p95(reads):.0f} ms; baseline one query {statistics.median(baseline):.1f} ms"
    )
    print(
        f"  the live read filtered to one client (20 of the link's 200 queues): median"
        f" {statistics.median(narrowed):.0f} ms, p95 {p95(narrowed):.0f} ms"
    )
    for runs, title in (
        (quiet, "no new data: the 1 s tick"),
        (busy, f"{args.rate:,.0f} call events/s, screens following the changes"),
    ):
        print(f"viewers of the 200-queue board, {args.seconds:.0f} s each, {title}:")
        for run in runs:
            print(
                f"  {run['viewers']:>3} viewers: {run['per_viewer']:.2f} refreshes/s each"
                f" (slowest {run['slowest']:.2f}),"
                f" {run['in_all']:.1f}/s in all; response p50 {run['p50']:.0f} ms,"
                f" p95 {run['p95']:.0f} ms ({run['p95'] / runs[0]['p95']:.1f} ×"
                f" {runs[0]['viewers']} viewer's); {run['pushes']:.2f} pushes of new tiles/s"
                f" each; server CPU {run['cpu_ms']:.1f} ms per refresh (its pushes, its chart),"
                f" {run['cpu_share']:.2f} s/s in all (the screens' own client"
                f" {run['client_share']:.2f} s/s)"
            )
    print(f"  the load sent {load_on_client.sent:,} call events in all")
    if latency:
        print(
            f"event → on screen (20-queue TV, {args.rate:,.0f} events/s on its client):"
            f" p50 {statistics.median(latency):.3f} s, p95 {p95(latency):.3f} s"
            f" ({len(latency)} probes; target p95 ≤ 0.3 s); the POST alone p50"
            f" {statistics.median(posts):.3f} s,"
            f" p95 {p95(posts):.3f} s"
        )


if __name__ == "__main__":
    main()
