"""Migration 0016: the counters table and `queues.hours` come and go; ingest works after."""

import psycopg
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.db import libpq_url
from app.main import create_app
from tests.factories import cdr
from tests.kpi.helpers import migrate
from tests.quality.helpers import ago, make_feed_tenant


def _schema(url):
    with psycopg.connect(libpq_url(url)) as pg:
        table = pg.execute("SELECT to_regclass('feed_quality_counts') IS NOT NULL").fetchone()[0]
        column = pg.execute(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'queues' AND column_name = 'hours'"
        ).fetchone()[0]
    return table, column == 1


def test_a_round_trip_drops_and_restores_the_counters_and_hours(own_database):
    settings = Settings(database_url=own_database.url, rate_limit_per_s=0, scheduler=False)
    feed = make_feed_tenant(own_database)
    with TestClient(create_app(settings, own_database)) as http:
        sent = [cdr("m1", feed.queue, ago(120), wait=5, talk=20)]
        assert http.post("/v1/calls", json=sent, headers=feed.auth(feed.key)).json()["accepted"]
    assert _schema(own_database.url) == (True, True)
    migrate(own_database, "downgrade", "0015")
    assert _schema(own_database.url) == (False, False)
    migrate(own_database, "upgrade", "head")
    assert _schema(own_database.url) == (True, True)
    with TestClient(create_app(settings, own_database)) as http:
        sent = [cdr("m2", feed.queue, ago(120), wait=5, talk=20)]
        assert http.post("/v1/calls", json=sent, headers=feed.auth(feed.key)).json()["accepted"]
    with psycopg.connect(libpq_url(own_database.url)) as pg:
        counted = pg.execute(
            "SELECT n FROM feed_quality_counts WHERE measure = 'accepted'"
        ).fetchall()
    assert counted == [(1,)]  # counting starts again after the upgrade
