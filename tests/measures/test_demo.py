"""The demo's contract scores the measures the demo submits: confirmed, and one awaiting."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.access.keys import Principal
from app.apply.file import load_file
from app.apply.service import apply_tenancy
from app.contracts.service import sla_report
from app.core.config import Settings
from app.core.db import Database, create_database, drop_database
from app.measures.demo import submit_demo
from app.migrate import upgrade

DEMO = Path(__file__).parents[2] / "examples" / "demo.yaml"
ADMIN = Principal(0, "admin", name="test")


@pytest.fixture
def demo(database_url: str) -> Iterator[tuple[Database, Settings]]:
    """A database of its own: the demo applies fixed tenant codes (acme, vendor-a, …)."""
    url = create_database(database_url, "callpulse_measures_demo")
    settings = Settings(database_url=url, rate_limit_per_s=0, scheduler=False)
    database = Database.from_settings(settings)
    upgrade(database)
    yield database, settings
    database.dispose()
    drop_database(url)


def test_demo_measures_show_on_the_sla_report(demo):
    database, settings = demo
    with database.session_scope() as session:
        apply_tenancy(session, load_file(DEMO.read_text(encoding="utf-8")))
        assert submit_demo(session, date(2026, 11, 20)) == 14
    with database.session_scope() as session:
        assert submit_demo(session, date(2026, 11, 20)) == 14  # again: the same rows

    def targets(period: str) -> dict[str, dict]:
        with database.session_scope() as session:
            body = sla_report(session, ADMIN, "acme", period, "acme-2026-a", settings)
        return {t["kpi"]: t for t in body["targets"]}

    october = [t for t in targets("2026-10").values() if t["source"] == "submitted"]
    assert len(october) == 7 and all(t["state"] == "confirmed" for t in october)
    rows = targets("2026-11")
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
    assert rows["valid_complaint_rate"]["source"] == "measured"
