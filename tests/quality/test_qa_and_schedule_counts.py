"""Feed quality counts QA evaluations, schedule segments and forecasts like calls: received,
duplicates and rejected by field, per vendor and day; no lateness (none is a real-time record)."""

from datetime import UTC, datetime, timedelta

from app.quality.measures import RECORD_KINDS
from app.rejects.service import LISTED_KINDS
from tests.factories import post
from tests.qa.helpers import PATH as QA_PATH
from tests.qa.helpers import evaluation, handled_calls
from tests.quality.helpers import around_today, quality
from tests.schedules.helpers import seg


def _day(client, tenant, kind: str | None = None) -> dict:
    """The vendor's one row with records today (the client's key reads it)."""
    params = {"client": tenant.client, "vendor": tenant.vendor, **around_today()}
    if kind:
        params["kind"] = kind
    response = quality(client, tenant.client_key, **params)
    assert response.status_code == 200, response.text
    rows = [r for r in response.json()["rows"] if r["accepted"] or r["rejected"]]
    assert len(rows) == 1, rows
    return rows[0]


def test_every_rejected_kind_but_measurements_is_a_feed_kind():
    assert set(LISTED_KINDS) - set(RECORD_KINDS) == {"measurements"}
    assert set(RECORD_KINDS) <= set(LISTED_KINDS)


def test_qa_evaluations_count_like_calls(client, tenant):
    handled_calls(client, tenant, tenant.queue, ["fq1", "fq2"])  # 2 calls accepted
    q = tenant.queue
    sent = [
        evaluation("fe1", q, call_id="fq1"),
        evaluation("fe2", q, call_id="fq2", fatal=1),
        evaluation("fe3", q, call_id="fq2", fatal=101),  # above the bound: fatal_errors
        evaluation("fe4", q, call_id="none"),  # no such call: call_id
    ]
    assert len(post(client, QA_PATH, sent, tenant).json()["rejected"]) == 2
    assert post(client, QA_PATH, sent[:1], tenant).json()["duplicates"] == 1
    # the client's own QA team's evaluations are its records, not the vendor's feed
    mine = post(
        client, QA_PATH, [evaluation("fe5", q, call_id="fq1")], tenant, key=tenant.client_key
    )
    assert mine.json()["accepted"] == 1

    day = _day(client, tenant, "qa-evaluations")
    assert (day["accepted"], day["duplicates"], day["rejected"]) == (2, 1, 2)
    assert day["rejected_by_reason"] == {"call_id": 1, "fatal_errors": 1}
    assert (day["lateness_p50_s"], day["lateness_max_s"]) == (None, None)
    # every kind: 2 calls + 2 evaluations; the lateness is the calls' alone
    every = _day(client, tenant)
    assert (every["accepted"], every["duplicates"], every["rejected"]) == (4, 1, 2)
    calls = _day(client, tenant, "calls")
    assert every["lateness_max_s"] == calls["lateness_max_s"] is not None
    assert every["lateness_p50_s"] == calls["lateness_p50_s"]


def test_schedule_segments_count_like_calls(client, tenant):
    q = [tenant.queue]
    sent = [
        seg("fs1", "09:00", "12:00", queues=q),
        seg("fs1", "12:00", "13:00", "lunch", queues=q),
        seg("fs2", "09:00", "17:00", "nap", queues=q),  # activity
        seg("fs3", "09:00", "12:00", queues=q),  # fs3's two segments overlap: start, twice
        seg("fs3", "11:00", "14:00", queues=q),
    ]
    answer = post(client, "/v1/schedules", sent, tenant).json()
    assert (answer["accepted"], len(answer["rejected"])) == (2, 3)
    assert post(client, "/v1/schedules", sent[:1], tenant).json()["duplicates"] == 1

    day = _day(client, tenant, "schedules")
    assert (day["accepted"], day["duplicates"], day["rejected"]) == (2, 1, 3)
    assert day["rejected_by_reason"] == {"activity": 1, "start": 2}
    assert day["lateness_p50_s"] is None


def test_a_vendors_forecasts_count_like_calls_and_a_clients_own_do_not(client, tenant):
    now = datetime.now(UTC)
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)

    def plan(at: datetime, offered: float, **extra: object) -> dict:
        return {
            "queue": tenant.queue,
            "interval_start": at.isoformat(),
            "offered": offered,
            **extra,
        }

    sent = [
        plan(start, 10),
        plan(start + timedelta(minutes=15), 12),
        plan(start + timedelta(minutes=7), 3),  # off the grid: interval_start
        plan(start, -1),  # offered
        plan(start, 5, source="callpulse"),  # reserved: source
    ]
    answer = post(client, "/v1/forecasts", sent, tenant).json()
    assert (answer["accepted"], len(answer["rejected"])) == (2, 3)
    assert post(client, "/v1/forecasts", sent[:1], tenant).json()["duplicates"] == 1
    mine = post(
        client,
        "/v1/forecasts",
        [plan(start, 9, source="client-wfm")],
        tenant,
        key=tenant.client_key,
    )
    assert mine.json()["accepted"] == 1

    day = _day(client, tenant, "forecasts")
    assert (day["accepted"], day["duplicates"], day["rejected"]) == (2, 1, 3)
    assert day["rejected_by_reason"] == {"interval_start": 1, "offered": 1, "source": 1}
    assert day["lateness_p50_s"] is None
