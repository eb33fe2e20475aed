"""The traffic model is realistic and valid; the simulator feeds a live server cleanly."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from app.kpi.aggregation import drain
from app.simulate import runner
from app.simulate.model import COMPLAINT_EVERY, QueueSpec, Simulation

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # local midnight in Shanghai


def day_of_cdrs(surge: float = 1.0) -> list:
    surge_from = DAY + timedelta(hours=10) if surge != 1.0 else None  # 10:00 local
    queue = QueueSpec("q", SHANGHAI, 90, 12, surge, surge_from)
    return list(Simulation([queue], DAY, seed=7, cdr=True).run(DAY + timedelta(days=1)))


def test_model_is_seeded_and_time_ordered():
    first, again = day_of_cdrs(), day_of_cdrs()
    assert [e.record for e in first] == [e.record for e in again]
    assert all(a.at <= b.at for a, b in pairwise(first))


def test_day_of_traffic_looks_like_a_contact_center():
    emits = day_of_cdrs()
    calls = [e.record for e in emits if e.path == "/v1/calls"]
    assert 800 < len(calls) < 1400  # ≈ 90/h at peak on the intraday curve
    answered = [c for c in calls if "answered_at" in c]
    assert 0.8 < len(answered) / len(calls) < 0.995  # some callers give up
    waits = [
        (
            datetime.fromisoformat(c["answered_at"]) - datetime.fromisoformat(c["offered_at"])
        ).total_seconds()
        for c in answered
    ]
    assert 0 < sum(w <= 20 for w in waits) / len(waits) <= 1
    assert 150 < sum(c["talk_s"] for c in answered) / len(answered) < 260
    assert all(
        c["answered_at"] >= c["offered_at"] and c["ended_at"] >= c["answered_at"] for c in answered
    )
    hours = Counter(
        datetime.fromisoformat(c["offered_at"]).astimezone(SHANGHAI).hour for c in calls
    )
    assert hours[10] > 5 * hours[3]  # daytime peak, quiet night
    states = Counter(e.record["state"] for e in emits if e.path == "/v1/agent-events")
    assert {"available", "talking", "acw", "not_ready", "logged_out"} <= set(states)
    reasons = {e.record.get("reason") for e in emits if e.path == "/v1/agent-events"}
    assert {"break", "lunch"} <= reasons
    channels = Counter(e.record["channel"] for e in emits if e.path == "/v1/tickets")
    assert channels["email"] > 0 and channels["chat"] > 0


def test_surge_multiplies_arrivals():
    def in_surge(emits):
        return sum(
            1
            for e in emits
            if e.path == "/v1/calls"
            and DAY + timedelta(hours=10)
            <= datetime.fromisoformat(e.record["offered_at"])
            < DAY + timedelta(hours=12)
        )

    assert in_surge(day_of_cdrs(4.0)) > 2.5 * in_surge(day_of_cdrs())


def test_simulator_feeds_a_live_server_without_rejections(
    live_server, tenant, client, database, settings
):
    pusher = runner.Pusher(live_server, tenant.key)
    specs = runner.queue_specs(pusher.queues(), [tenant.queue], [], peak=900, agents=12)
    started = datetime.now(UTC)
    # The history ends at the last 15:00 of the queue's day before the live run, whatever
    # the hour now: its last 4 h then hold the day shifts' late logins, calls running into
    # breaks and unplanned not-ready time (at night one agent keeps its schedule: 1.0).
    local = (started - runner.CATCH_UP).astimezone(specs[0].timezone)
    until = local.replace(hour=15, minute=0, second=0, microsecond=0)
    until -= timedelta(days=1) if until > local else timedelta(0)
    runner.backfill(pusher, specs, 0.25, until, 3, lambda _: None)
    runner.live(pusher, specs, speed=120, seed=3, duration_s=3, wall_start=started)
    assert pusher.tally.rejected == [] and pusher.tally.accepted > 50
    drain(database, settings)
    rows = client.get(
        "/v1/metrics",
        params={
            "queue": tenant.queue,
            "granularity": "day",
            "from": (started - timedelta(days=1)).date().isoformat(),
        },
        headers=tenant.auth(tenant.client_key),
    ).json()["series"]
    assert sum(r["offered"] for r in rows) > 0
    # The history's last 4 h (later, the test's agents stop while their schedules run on).
    hours = client.get(
        "/v1/metrics",
        params={
            "queue": tenant.queue,
            "granularity": "hour",
            "from": (until - timedelta(hours=4)).isoformat(),
            "to": until.isoformat(),
        },
        headers=tenant.auth(tenant.client_key),
    ).json()["series"]
    measured = [h["schedule_adherence"] for h in hours if h["schedule_adherence"] is not None]
    assert len(measured) == 4 and 0.85 < sum(measured) / 4 < 1, measured


def test_each_shift_is_scheduled_ahead_without_overlaps():
    emits = day_of_cdrs()
    segments = [e for e in emits if e.path == "/v1/schedules"]
    by_agent: dict[str, list] = {}
    for e in segments:
        by_agent.setdefault(e.record["agent"], []).append(e.record)
        assert e.at <= datetime.fromisoformat(e.record["start"]) - timedelta(hours=12) or (
            e.at == DAY
        )
    assert len(by_agent) == 12
    for records in by_agent.values():
        spans = sorted((r["start"], r["end"]) for r in records)
        assert all(a[1] <= b[0] for a, b in pairwise(spans))
    activities = Counter(r["activity"] for r in by_agent["q-a01"])
    assert activities["break"] == 2 * activities["lunch"] and activities["work"] > 0


def test_every_37th_email_is_a_complaint_and_every_third_complaint_valid():
    """有理投诉: a complaint carries type complaint from the start, its verdict once resolved."""
    queue = QueueSpec("q", SHANGHAI, 90, 12, 1.0, None)
    emits = Simulation([queue], DAY, seed=7).run(DAY + timedelta(days=3))
    tickets = [e.record for e in emits if e.path == "/v1/tickets"]
    for record in tickets:
        number = int(record["ticket_id"].rsplit("-", 1)[1])
        complaint = record["channel"] == "email" and number % COMPLAINT_EVERY == 0
        assert (record.get("type") == "complaint") == complaint
        if complaint and "resolved_at" in record:
            assert record["valid"] == (number % (3 * COMPLAINT_EVERY) == 0)
        else:
            assert "valid" not in record
    assert any(r.get("valid") for r in tickets) and any(r.get("valid") is False for r in tickets)
