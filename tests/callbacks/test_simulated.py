"""The simulator's callback requests and callbacks: most in time, some late, all linked."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.simulate.model import QueueSpec, Simulation

DAY = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # local midnight in Shanghai


def test_long_waiters_leave_numbers_and_are_called_back_mostly_in_time():
    # A busy day (150 calls/h at peak on 8 agents), so many callers wait a minute or more.
    queue = QueueSpec("q", ZoneInfo("Asia/Shanghai"), 150, 8)
    calls = [
        e.record
        for e in Simulation([queue], DAY, seed=3, cdr=True).run(DAY + timedelta(days=1))
        if e.path == "/v1/calls"
    ]
    requests = {c["call_id"]: c for c in calls if c.get("exit_reason") == "callback"}
    backs = [c for c in calls if c.get("callback_of")]
    assert len(requests) > 20 and {b["callback_of"] for b in backs} <= set(requests)
    for call_id, request in requests.items():
        waited = datetime.fromisoformat(request["ended_at"]) - datetime.fromisoformat(
            request["offered_at"]
        )
        assert waited >= timedelta(seconds=60) and "answered_at" not in request, call_id
    late = [
        b
        for b in backs
        if datetime.fromisoformat(b["offered_at"])
        - datetime.fromisoformat(requests[b["callback_of"]]["ended_at"])
        > timedelta(minutes=60)
    ]
    assert all(b["direction"] == "outbound" for b in backs)
    assert 0 < len(late) < 0.2 * len(backs)  # some late, most within the hour
