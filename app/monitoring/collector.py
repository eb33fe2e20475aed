"""Gauges read from the database when Prometheus scrapes, whichever process aggregates.

The aggregator may run in `callpulse worker` on another host; reading its backlog from the
database at scrape time makes the lag visible in every API process's `/metrics`.
"""

import logging
from collections.abc import Iterator
from typing import Any

import psycopg
from sqlalchemy.exc import SQLAlchemyError

from app.core.db import Database, driver_connection
from app.monitoring.repository import aggregation_backlog

log = logging.getLogger(__name__)


class DatabaseCollector:
    """Report the aggregation backlog and whether the database answered."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Any]:
        """Read the backlog now; on a database error report `callpulse_database_up 0`."""
        from prometheus_client.core import GaugeMetricFamily  # see app.core.metrics

        up = GaugeMetricFamily(
            "callpulse_database_up", "1 when the database answered this scrape, else 0."
        )
        try:
            with self.database.session_scope() as session:
                backlog = aggregation_backlog(driver_connection(session))
        except (SQLAlchemyError, psycopg.Error) as exc:
            log.warning("metrics: database unavailable: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "callpulse_aggregation_lag_seconds",
            "Age of the oldest dirty-interval marker or stats change not yet aggregated (0: none).",
            value=backlog.oldest_age_s,
        )
        yield GaugeMetricFamily(
            "callpulse_aggregation_pending_markers",
            "Dirty-interval markers waiting for an aggregation pass.",
            value=backlog.markers,
        )
