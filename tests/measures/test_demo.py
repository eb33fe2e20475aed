"""The demo's contract scores the measures the demo submits: confirmed, and one awaiting."""

from datetime import date
from pathlib import Path

from app.apply.file import load_file
from app.apply.service import apply_tenancy
from app.measures.demo import submit_demo
from tests.contracts.helpers import key, sla

DEMO = Path(__file__).parents[2] / "examples" / "demo.yaml"


def test_demo_measures_show_on_the_sla_report(http, database):
    with database.session_scope() as session:
        apply_tenancy(session, load_file(DEMO.read_text(encoding="utf-8")))
        assert submit_demo(session, date(2026, 11, 20)) == 14
    with database.session_scope() as session:
        assert submit_demo(session, date(2026, 11, 20)) == 14  # again: the same rows
    acme = key(database, "client", client_code="acme")
    params = {"contract": "acme-2026-a"}
    october = sla(http, "acme", acme, period="2026-10", **params).json()["targets"]
    submitted = [t for t in october if t["source"] == "submitted"]
    assert len(submitted) == 7 and all(t["state"] == "confirmed" for t in submitted)
    rows = {
        t["kpi"]: t for t in sla(http, "acme", acme, period="2026-11", **params).json()["targets"]
    }
    attrition = rows["attrition_rate"]
    assert (attrition["state"], attrition["submitted_value"], attrition["met"]) == (
        "submitted",
        2 / 50,
        None,
    )
    assert (rows["training_pass_rate"]["actual"], rows["training_pass_rate"]["met"]) == (
        0.78,
        False,
    )
    assert (rows["system_interruption_h"]["actual"], rows["system_interruption_h"]["met"]) == (
        0.5,
        True,
    )
    assert rows["system_interruption_h"]["name"] == {"en": "system interruption", "zh": "系统中断"}
    assert rows["service_level"]["source"] == "measured"
