"""The demo's database: its own (the demo applies fixed codes), the demo applied, a day fed."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.access.keys import create_key
from app.alerts.service import evaluate_all
from app.apply.file import load_file
from app.apply.service import apply_tenancy
from app.core.config import Settings
from app.core.db import Database, create_database, drop_database
from app.kpi.aggregation import drain
from app.main import create_app
from app.measures.demo import submit_demo
from app.migrate import upgrade
from tests.demo.feed import AFTER_DAY, SHANGHAI, Stretch, send, simulations, step

ALERT_STEP = timedelta(minutes=10)  # the default rules read 10-minute windows
DEMO = Path(__file__).parents[2] / "examples" / "demo.yaml"


@dataclass(frozen=True)
class Demo:
    """The demo's database and app, the stretch sent, and the keys that sent and read it."""

    database: Database
    settings: Settings
    http: TestClient
    stretch: Stretch
    keys: dict[str, str]


@pytest.fixture(scope="module")
def demo(database_url: str) -> Iterator[Demo]:
    """Apply examples/demo.yaml to a database of its own, send the day before yesterday
    (Shanghai) through the API, aggregate it, and submit and confirm the demo's measures."""
    url = create_database(database_url, "callpulse_demo_basket")
    settings = Settings(database_url=url, rate_limit_per_s=0, scheduler=False)
    database = Database.from_settings(settings)
    upgrade(database)
    day = datetime.combine(datetime.now(SHANGHAI).date() - timedelta(days=2), time(), SHANGHAI)
    with database.session_scope() as session:
        apply_tenancy(session, load_file(DEMO.read_text(encoding="utf-8")))
        keys = {
            "vendor-a": create_key(session, "vendor", vendor_code="vendor-a"),
            "vendor-b": create_key(session, "vendor", vendor_code="vendor-b"),
            "acme": create_key(session, "client", client_code="acme"),
        }
        submit_demo(session, day.date())  # as `callpulse demo` does, for the day's month
    stretch = Stretch(day)
    with TestClient(create_app(settings, database)) as http:
        run(database, settings, stretch, http, keys)
        drain(database, settings)
        yield Demo(database, settings, http, stretch, keys)
    database.dispose()
    drop_database(url)


def run(
    database: Database, settings: Settings, stretch: Stretch, http: TestClient, keys: dict[str, str]
) -> None:
    """Send the stretch 10 simulated minutes at a time and run the alert engine at the end of
    each step, as the scheduler would have live (a rule's window ends at that moment, and
    nothing later has arrived yet); ACME Bank's key acknowledges each alert it opens.

    The ack route stamps the wall clock, days after the simulated day: so these
    acknowledgements come after the period and do not stop its response time. A replay's
    one artefact: read-time readings (schedule adherence) cut their pieces at the database's
    now(), not at the moment evaluated, so schedules published ahead read as missed and
    acme-cards' adherence alert opens at once and stays open; the report counts it, and so
    does the hand computation (it is in the alerts the API lists).
    """
    sims = simulations(stretch.day)
    auth = {"Authorization": f"Bearer {keys['acme']}"}
    moment = stretch.day
    while moment < stretch.end + AFTER_DAY:
        moment += ALERT_STEP
        send(http, step(sims, moment), keys, stretch)
        if evaluate_all(database, settings, now=moment):  # something opened or resolved
            opened = http.get("/v1/alerts", params={"state": "open"}, headers=auth)
            for alert in opened.json()["alerts"]:
                response = http.post(f"/v1/alerts/{alert['id']}/ack", headers=auth)
                assert response.status_code == 200, response.text
