"""Real data: PwC's 5,000-call help desk (Q1 2021) through `callpulse import`, against pandas."""

import csv
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from app.access.keys import create_key
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.kpi.aggregation import drain
from tests.cli.test_commands import callpulse
from tests.conftest import SHARED_DATA

PWC = SHARED_DATA / "pwc_call_center" / "pwc_call_center.csv"
ZURICH = ZoneInfo("Europe/Zurich")  # the file gives no timezone; PwC Switzerland's


def to_cdr(row: dict[str, str], queue: str) -> dict[str, object]:
    """Convert one PwC row to a CallPulse CDR (unanswered rows have no speed: wait 0)."""
    offered = datetime.fromisoformat(f"{row['Date']}T{row['Time']}").replace(tzinfo=ZURICH)
    cdr: dict[str, object] = {
        "call_id": row["Call Id"],
        "queue": queue,
        "offered_at": offered.isoformat(),
        "agent": row["Agent"],
    }
    if row["Answered (Y/N)"] == "Y":
        answered = offered + timedelta(seconds=float(row["Speed of answer in seconds"]))
        h, m, s = (int(x) for x in row["AvgTalkDuration"].split(":"))
        talk = h * 3600 + m * 60 + s
        cdr |= {
            "answered_at": answered.isoformat(),
            "ended_at": (answered + timedelta(seconds=talk)).isoformat(),
            "talk_s": talk,
            "resolved": row["Resolved"] == "Y",
        }
        if row["Satisfaction rating"]:
            cdr["csat"] = float(row["Satisfaction rating"])
            cdr["csat_scale"] = 5  # PwC rates 1–5; stored on the 0–100 scale
    else:
        cdr["ended_at"] = offered.isoformat()
    return cdr


@pytest.fixture(scope="module")
def imported(database, settings, database_url, tmp_path_factory, client):
    if not PWC.exists():
        pytest.skip(f"{PWC} is not here")
    s = secrets.token_hex(3)
    spec = TenancyFile.model_validate(
        {
            "clients": [{"code": f"pwc-{s}", "name": "PwC help desk", "timezone": "Europe/Zurich"}],
            "vendors": [{"code": f"pwcv-{s}", "name": "Help desk"}],
            "queues": [{"code": f"desk-{s}", "client": f"pwc-{s}", "vendors": [f"pwcv-{s}"]}],
        }
    )
    with database.session_scope() as session:
        apply_tenancy(session, spec)
        key = create_key(session, "client", client_code=f"pwc-{s}")
    with PWC.open(newline="", encoding="utf-8") as f:
        cdrs = [to_cdr(row, f"desk-{s}") for row in csv.DictReader(f)]
    path = tmp_path_factory.mktemp("pwc") / "pwc_calls.csv"
    fields = list(dict.fromkeys(k for c in cdrs for k in c))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerows(cdrs)
    result = callpulse(
        database_url,
        "import",
        str(path),
        "--kind",
        "calls",
        "--vendor",
        f"pwcv-{s}",
        "--max-age-days",
        "3650",
    )
    assert result.returncode == 0, result.stderr
    assert "5000 accepted, 0 duplicates, 0 rejected" in result.stderr
    drain(database, settings)
    return f"desk-{s}", key


def expected(frame: pd.DataFrame) -> dict[str, float]:
    answered = frame[frame["Answered (Y/N)"] == "Y"]
    talk = pd.to_timedelta(answered["AvgTalkDuration"]).dt.total_seconds()
    return {
        "offered": len(frame),
        "answer_rate": len(answered) / len(frame),
        "asa_s": answered["Speed of answer in seconds"].mean(),
        "fcr_rate": (answered["Resolved"] == "Y").mean(),
        "att_s": talk.mean(),
        "csat": (answered["Satisfaction rating"].mean() - 1) * 25,
    }


def test_per_month_matches_pandas(client, imported):
    queue, key = imported
    frame = pd.read_csv(PWC)
    frame["month"] = frame["Date"].str[:7]
    rows = client.get(
        "/v1/metrics",
        params={"queue": queue, "granularity": "month", "from": "2021-01-01", "to": "2021-04-01"},
        headers={"Authorization": f"Bearer {key}"},
    ).json()["series"]
    assert [r["start"][:7] for r in rows] == ["2021-01", "2021-02", "2021-03"]
    for row in rows:
        want = expected(frame[frame["month"] == row["start"][:7]])
        for name, value in want.items():
            assert row[name] == pytest.approx(value, rel=1e-9), (row["start"], name)


def test_per_agent_matches_pandas(client, imported):
    queue, key = imported
    frame = pd.read_csv(PWC)
    rows = client.get(
        "/v1/metrics",
        params={
            "queue": queue,
            "granularity": "month",
            "by": "agent",
            "from": "2021-01-01",
            "to": "2021-04-01",
        },
        headers={"Authorization": f"Bearer {key}"},
    ).json()["series"]
    frame["month"] = frame["Date"].str[:7]
    checked = 0
    for row in rows:
        subset = frame[(frame["Agent"] == row["agent"]) & (frame["month"] == row["start"][:7])]
        if subset.empty:
            assert row["offered"] == 0
            continue
        for name, value in expected(subset).items():
            assert row[name] == pytest.approx(value, rel=1e-9), (row["agent"], name)
        checked += 1
    assert checked == frame.groupby(["Agent", "month"]).ngroups
