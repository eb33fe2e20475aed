"""A contract target on schedule adherence scores on /v1/sla and in both languages' exports."""

import csv
import io

import pytest

from app.kpi.names import kpi_name
from dashboards.sla.components import missed_opener
from tests.contracts.helpers import apply, contract_entry, report, sla
from tests.schedules.conftest import ADHERENCE


@pytest.fixture
def adherence_contract(database, day_with_breaks):
    entry = contract_entry(
        day_with_breaks,
        queues=[day_with_breaks.queue],
        targets={
            "service_level": {"min": 0.8, "weight": 50},
            "schedule_adherence": {"min": 0.99, "weight": 30},
            "conformance": {"min": 0.95, "weight": 20},
        },
    )
    apply(database, entry)
    return day_with_breaks


def test_adherence_scores_against_its_target(client, adherence_contract):
    body = report(client, adherence_contract, period="2026-11")
    rows = {t["kpi"]: t for t in body["targets"]}
    assert rows["schedule_adherence"]["actual"] == pytest.approx(ADHERENCE)  # 27900 / 28800
    assert rows["schedule_adherence"]["met"] is False  # 0.969 < 0.99
    assert rows["schedule_adherence"]["points"] == 0
    assert rows["conformance"]["actual"] == pytest.approx(24600 / 24300)
    assert rows["conformance"]["met"] is True and rows["conformance"]["points"] == 20
    assert rows["service_level"]["met"] is None  # no calls: not scored
    day = next(d for d in body["daily"] if d["date"] == "2026-11-20")
    assert day["schedule_adherence"] == pytest.approx(ADHERENCE)


@pytest.mark.parametrize(("lang", "name"), [("en", "Schedule adherence"), ("zh", "排班遵时率")])
def test_exports_name_it_in_both_languages(client, adherence_contract, lang, name):
    t = adherence_contract
    assert kpi_name("schedule_adherence", lang) == name
    r = sla(client, t.client, t.client_key, ".csv", period="2026-11", lang=lang)
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    [row] = [row for row in rows if row and row[-1] == "schedule_adherence"]
    assert row[0] == name
    assert float(row[3]) == pytest.approx(ADHERENCE)
    pdf = sla(client, t.client, t.client_key, ".pdf", period="2026-11", lang=lang)
    assert pdf.status_code == 200


@pytest.mark.parametrize(
    ("lang", "why"),
    [
        ("en", "measured on the agents' schedules and states, not on calls"),
        ("zh", "按坐席排班与状态时长计算，不对应具体通话"),
    ],
)
def test_the_sla_page_says_why_no_call_misses_it(lang, why):
    for key in ("schedule_adherence", "conformance"):
        opener = missed_opener(key, {"min": 0.99, "max": None}, lang)
        assert (opener.children, opener.className) == (why, "missed-none")
