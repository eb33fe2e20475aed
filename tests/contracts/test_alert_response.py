"""Alert response cannot be gamed: an alert never acknowledged counts as missed, its response
running until it resolved, the period ended or now (DESIGN §7, hand-computed)."""

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from app.kpi.sources import ALERT_ACKNOWLEDGED_SQL, ALERT_RESPONSE_SQL
from tests.contracts.helpers import apply, contract_entry, open_alerts, report, sla

SHANGHAI = ZoneInfo("Asia/Shanghai")
TARGETS = {"alert_response_s": {"max": 600, "weight": 100}}


@pytest.fixture
def contract(database, tenant):
    """A contract on the tenant's queue scored on alert response alone (≤ 10 min)."""
    entry = contract_entry(tenant, targets=TARGETS)
    apply(database, entry)
    return entry


def test_never_acknowledging_scores_worse_than_acknowledging_late(http, tenant, pg, contract):
    # one acknowledged after 4 min; one never acknowledged, resolved (by itself) after 30 min:
    # (240 + 1800) / 2 = 1020 s = 17 min > 10 min → missed. Dropping it read 4 min, met.
    open_alerts(pg, tenant, [("2026-11-10T09:00", 240, 3600)])
    rule = open_alerts(pg, tenant, [("2026-11-10T10:00", None, 1800)])
    name = pg.execute("SELECT name FROM alert_rules WHERE id = %s", [rule]).fetchone()[0]
    body = report(http, tenant, period="2026-11")
    [row] = body["targets"]
    assert (row["actual"], row["met"]) == (1020.0, False)
    assert body["score"] == 0
    assert body["alerts"] == {
        "opened": 2,
        "acknowledged": 1,
        "unacknowledged": 1,
        "response_s": 1020.0,
    }
    assert row["formula"] == (
        "alert response time = Σ(acknowledged, else resolved or period end − opened)"
        " / alerts opened"
    )
    [missed] = body["unacknowledged_alerts"]
    assert (missed["queue"], missed["rule"]) == (tenant.queue, name)
    assert missed["opened_at"] == "2026-11-10T10:00:00+08:00"  # the client's timezone
    assert missed["unacknowledged_s"] == 1800.0
    assert missed["resolved_at"] == "2026-11-10T10:30:00+08:00"


def test_an_alert_open_at_the_period_end_runs_until_the_end(http, tenant, pg, contract):
    # Opened 23:50 on the last day of October (Shanghai), never acknowledged, still open:
    # October counts 10 min (600 s, not more than the target: met); acknowledging it in
    # November changes nothing in October.
    open_alerts(pg, tenant, [("2026-10-31T23:50", None, None)])
    body = report(http, tenant, period="2026-10")
    assert body["alerts"]["response_s"] == 600.0 and body["targets"][0]["met"] is True
    assert [a["unacknowledged_s"] for a in body["unacknowledged_alerts"]] == [600.0]
    pg.execute(  # an hour after it opened (a constant: Citus refuses opened_at + interval)
        "UPDATE alerts SET state = 'acknowledged', acknowledged_at = %s"
        " WHERE queue_id = (SELECT id FROM queues WHERE code = %s)",
        ["2026-11-01T00:50+08:00", tenant.queue],
    )
    again = report(http, tenant, period="2026-10")
    assert again["alerts"] == body["alerts"] and again["unacknowledged_alerts"] == [
        a | {"resolved_at": None} for a in body["unacknowledged_alerts"]
    ]


def test_an_open_alert_of_the_current_period_runs_until_now(http, tenant, pg, contract):
    shanghai = datetime.now(SHANGHAI).replace(second=0, microsecond=0) - timedelta(minutes=25)
    open_alerts(pg, tenant, [(shanghai.strftime("%Y-%m-%dT%H:%M"), None, None)])
    body = report(http, tenant, period=shanghai.strftime("%Y-%m"))
    # 25 min and still counting (unless the month ended since it opened): missed.
    end = min(datetime.now(UTC), datetime.fromisoformat(body["period"]["end"]))
    expected = (end - shanghai).total_seconds()
    assert body["alerts"]["response_s"] == pytest.approx(expected, abs=30)
    assert body["targets"][0]["met"] is (expected <= 600)
    [missed] = body["unacknowledged_alerts"]
    assert missed["unacknowledged_s"] == pytest.approx(expected, abs=30)
    assert missed["resolved_at"] is None


def test_metrics_api_counts_the_missed_alert_too(http, tenant, pg):
    open_alerts(pg, tenant, [("2026-11-10T09:00", 240, 3600)])
    open_alerts(pg, tenant, [("2026-11-10T10:00", None, 1800)])
    response = http.get(
        "/v1/metrics",
        params={
            "queue": tenant.queue,
            "from": "2026-11-10",
            "to": "2026-11-11",
            "granularity": "day",
        },
        headers=tenant.auth(tenant.client_key),
    )
    assert response.status_code == 200, response.text
    [day] = response.json()["series"]
    assert (day["alerts_opened"], day["alert_response_s"]) == (2, 1020.0)


def test_the_exports_list_the_missed_alert(http, tenant, pg, contract):
    open_alerts(pg, tenant, [("2026-11-10T09:00", 240, 3600)])
    rule = open_alerts(pg, tenant, [("2026-11-10T10:00", None, 1800)])
    (name,) = pg.execute("SELECT name FROM alert_rules WHERE id = %s", [rule]).fetchone()

    def export(suffix: str, lang: str = "en") -> bytes:
        response = sla(http, tenant.client, tenant.client_key, suffix, period="2026-11", lang=lang)
        assert response.status_code == 200, response.text
        return response.content

    rows = list(csv.reader(io.StringIO(export(".csv").decode("utf-8-sig"))))
    zone = "(Asia/Shanghai)"
    header = rows.index(
        ["Queue", "Rule", f"Opened {zone}", f"Resolved {zone}", "Unacknowledged for"]
    )
    # wall times of the client's timezone, the duration in seconds as in the JSON
    assert rows[header + 1] == [
        tenant.queue, name, "2026-11-10T10:00:00", "2026-11-10T10:30:00", "1800.0",
    ]  # fmt: skip
    assert ["Alert response times: not acknowledged", "1"] in rows
    book = openpyxl.load_workbook(io.BytesIO(export(".xlsx", "zh")))
    sheet = book["考核报告"]
    values = [row[:5] for row in sheet.iter_rows(values_only=True)]
    assert ("队列", "规则", f"触发时间 {zone}", f"恢复时间 {zone}", "未确认时长") in values
    missed = next(row for row in sheet.iter_rows() if row[1].value == name)
    opened, resolved, late = missed[2], missed[3], missed[4]
    assert (opened.value, resolved.value) == (
        datetime(2026, 11, 10, 10),
        datetime(2026, 11, 10, 10, 30),
    )
    assert opened.number_format == "yyyy-mm-dd hh:mm:ss"
    assert late.value == timedelta(seconds=1800) and late.number_format == "[mm]:ss"
    for lang, title in (("en", "Never acknowledged"), ("zh", "从未确认的告警")):
        text = " ".join(
            "".join(
                p.extract_text() for p in pypdf.PdfReader(io.BytesIO(export(".pdf", lang))).pages
            ).split()
        )
        assert f"{title}" in text
        assert f"{tenant.queue} {name} 2026-11-10 10:00 2026-11-10 10:30 30:00" in text, text


MINUTES = st.integers(min_value=1, max_value=60 * 24 * 40)


@hypothesis_settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    resolved_after=st.none() | MINUTES,
    period_left=MINUTES,
    acked_after=MINUTES,
)
def test_acknowledging_never_scores_worse_than_not_acknowledging(
    pg, resolved_after, period_left, acked_after
):
    # An alert opened in a past period (so `now` plays no part), acknowledged at any moment
    # it still could be (before it resolved and before the period ended), or never.
    opened = datetime(2026, 1, 1, tzinfo=UTC)
    end = opened + timedelta(minutes=period_left)
    resolved = None if resolved_after is None else opened + timedelta(minutes=resolved_after)
    acked = opened + timedelta(minutes=min(acked_after, period_left, resolved_after or period_left))

    def response(acknowledged):
        return pg.execute(
            f"SELECT {ALERT_RESPONSE_SQL}, {ALERT_ACKNOWLEDGED_SQL} FROM (VALUES"
            " (%(o)s::timestamptz, %(a)s::timestamptz, %(r)s::timestamptz))"
            " AS x(opened_at, acknowledged_at, resolved_at)",
            {"o": opened, "a": acknowledged, "r": resolved, "hi": end},
        ).fetchone()

    never, missed = response(None)
    late, acknowledged = response(acked)
    assert (acknowledged, missed) == (acked < end, False)
    assert late == (acked - opened).total_seconds() <= never
    assert never == (min(resolved or end, end) - opened).total_seconds()
