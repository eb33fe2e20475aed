"""The SLA report and its exports carry the period's feed quality of the contract's vendor."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest

from tests.contracts.helpers import apply, contract_entry
from tests.factories import cdr
from tests.quality.helpers import ago, make_feed_tenant

BERLIN = ZoneInfo("Europe/Berlin")
SUNDAY = "2026-10-25"  # fall back in Berlin: the queue's 01:00-04:00 is 16 intervals


def dst_calls(queue):
    """Calls in 3 of the 16 service intervals of SUNDAY; one (c2) never ends."""
    c2 = cdr("c2", queue, "2026-10-24T23:30:00+00:00", wait=10, talk=1)
    c2.pop("ended_at")
    return [
        cdr("c1", queue, "2026-10-24T23:05:00+00:00", wait=5, talk=60),
        c2,
        cdr("c3", queue, "2026-10-25T02:50:00+00:00", gave_up_after=20),
    ]


@pytest.fixture
def contracted(client, database):
    """A Berlin feed with a contract on its queue, the DST calls, and today's records:
    five with lateness 2.2 … 6.2 s and two refused for `offered_at`."""
    feed = make_feed_tenant(database)
    today = datetime.now(BERLIN).date()
    apply(
        database,
        contract_entry(feed, valid_from="2026-01-01", valid_to=str(today + timedelta(days=400))),
    )
    fresh = [cdr(f"t{i}", feed.queue, ago(i + 2.2 + 30), wait=10, talk=20) for i in range(5)]
    refused = [
        {"call_id": "r1", "queue": feed.queue, "offered_at": "2026-11-20T09:00:00"},
        {"call_id": "r2", "queue": feed.queue, "offered_at": "2026-11-20T10:00:00"},
    ]
    answer = client.post(
        "/v1/calls", json=dst_calls(feed.queue) + fresh + refused, headers=feed.auth(feed.key)
    ).json()
    assert answer["accepted"] == 8 and len(answer["rejected"]) == 2
    return feed, today


def _sla(client, feed, period, suffix="", **params):
    response = client.get(
        f"/v1/sla/{feed.client}{suffix}",
        params={"period": period, **params},
        headers=feed.auth(feed.client_key),
    )
    assert response.status_code == 200, response.text
    return response


def test_the_report_carries_the_periods_feed_quality(client, contracted):
    feed, today = contracted
    (sunday,) = _sla(client, feed, SUNDAY).json()["feed_quality"]
    assert sunday == {
        "vendor": feed.vendor,
        "accepted": 0,  # received today, counted today
        "duplicates": 0,
        "rejected": 0,
        "rejected_by_reason": {},
        "lateness_p50_s": None,
        "lateness_p95_s": None,
        "lateness_max_s": None,
        "unended_calls": 1,
        "service_intervals": 16,
        "silent_intervals": 13,
        "silent_by_queue": {feed.queue: 13},
    }
    report = _sla(client, feed, str(today)).json()
    (now,) = report["feed_quality"]
    assert (now["accepted"], now["rejected"]) == (8, 2)
    assert now["rejected_by_reason"] == {"offered_at": 2}
    # 8 lateness values: 2.2 … 6.2 s, then the three DST calls' weeks: the 4th is 5 s
    assert now["lateness_p50_s"] == 5
    assert now["lateness_max_s"] >= 30 * 86400
    assert "to the second below 60 s" in report["lateness_resolution"]


def test_the_exports_carry_it_in_both_languages(client, contracted):
    feed, _ = contracted
    rows = list(csv.reader(io.StringIO(_sla(client, feed, SUNDAY, ".csv").text.lstrip("\ufeff"))))
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Vendor" and len(row) > 5)
    assert rows[start][:4] == ["Vendor", "Records accepted", "Duplicates", "Rejected"]
    line = dict(zip(rows[start], rows[start + 1], strict=True))
    assert (line["Calls without an end"], line["Silent service intervals"]) == ("1", "13")
    assert line["Service intervals"] == "16" and line["Rejected by field"] == "none"
    zh = _sla(client, feed, SUNDAY, ".csv", lang="zh").text
    assert "服务时段内无数据时段" in zh and "未结束通话" in zh

    book = openpyxl.load_workbook(io.BytesIO(_sla(client, feed, SUNDAY, ".xlsx").content))
    cells = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    header = next(i for i, row in enumerate(cells) if row[1] == "Records accepted")
    assert cells[header + 1][0] == feed.vendor
    assert cells[header + 1][7:10] == [1, 13, 16]

    pdf = pypdf.PdfReader(io.BytesIO(_sla(client, feed, SUNDAY, ".pdf", lang="zh").content))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "数据接入质量" in text and feed.vendor in text
