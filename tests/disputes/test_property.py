"""Exclusions ≡ the report computed on data without those calls (a hypothesis property).

One tenant gets every call and an agreed dispute of `all` targets over a window and some
call ids; a second tenant gets only the calls the dispute leaves. Every target's `actual`
of the first equals the second's measured figure, and so do score and amount.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contracts.helpers import DESIGN_CONTRACT, apply, contract_entry, ingest, report
from tests.disputes.helpers import act, open_dispute
from tests.factories import cdr, make_tenant

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_START = datetime(2026, 11, 10, 20, 0, tzinfo=SHANGHAI)  # the window may cross midnight
CALL = st.tuples(
    st.integers(0, 8 * 60 - 1),  # minute offered after 20:00
    st.one_of(st.none(), st.integers(0, 60)),  # wait before an answer, or None: abandoned
    st.integers(1, 90),  # seconds before an abandon
    st.one_of(st.none(), st.integers(60, 100)),  # csat
)


def _records(queue: str, calls: list[tuple], keep: set[int]) -> list[dict]:
    records = []
    for i, (minute, wait, gave_up, csat) in enumerate(calls):
        if i not in keep:
            continue
        offered = (DAY_START + timedelta(minutes=minute)).isoformat()
        record = (
            cdr(f"p{i}", queue, offered, wait=wait, agent="a1")
            if wait is not None
            else cdr(f"p{i}", queue, offered, gave_up_after=gave_up)
        )
        if csat is not None:
            record["csat"] = csat
        records.append(record)
    return records


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    calls=st.lists(CALL, min_size=1, max_size=25),
    window=st.tuples(st.integers(0, 8 * 60), st.integers(1, 4 * 60)),
    picked=st.sets(st.integers(0, 24), max_size=5),
    period=st.sampled_from(["2026-11", "2026-W46", "2026-11-10", "2026-11-11"]),
)
def test_exclusions_equal_the_report_without_those_calls(
    http, database, settings, calls, window, picked, period
):
    start = DAY_START + timedelta(minutes=window[0])
    end = start + timedelta(minutes=window[1])
    # a dispute's window lies inside its period (2026-11): past it, only the ids are disputed
    in_november = end <= datetime(2026, 12, 1, tzinfo=SHANGHAI)
    ids = sorted(i for i in picked if i < len(calls))
    if not in_november and not ids:
        return
    every = set(range(len(calls)))
    gone = set(ids) | {
        i
        for i, (minute, *_) in enumerate(calls)
        if in_november and start <= DAY_START + timedelta(minutes=minute) < end
    }
    disputed, clean = make_tenant(database), make_tenant(database)
    for tenant, keep in ((disputed, every), (clean, every - gone)):
        apply(database, contract_entry(tenant, **DESIGN_CONTRACT))
        records = _records(tenant.queue, calls, keep)
        if records:
            ingest(http, database, settings, tenant, "/v1/calls", records)
    opened = open_dispute(
        http,
        disputed.client,
        disputed.key,
        kpi="all",
        reason="carrier_outage",
        call_ids=[f"p{i}" for i in ids],
        **({"from": start.isoformat(), "to": end.isoformat()} if in_november else {}),
    )
    assert opened.status_code == 201, opened.text
    assert act(http, disputed.client, disputed.client_key, opened.json()["id"], "agree").is_success
    expected = report(http, clean, period=period)
    got = report(http, disputed, period=period)
    for mine, theirs in zip(got["targets"], expected["targets"], strict=True):
        assert mine["actual"] == pytest.approx(theirs["actual_measured"]), mine["kpi"]
    assert got["score"] == expected["measured"]["score"]
    assert got["coefficient"] == expected["measured"]["coefficient"]
    # the billed quantity counts handled calls as they happened, so only the score is compared
    for mine, theirs in zip(got["daily"], expected["daily"], strict=True):
        assert mine == pytest.approx(theirs), mine["date"]
