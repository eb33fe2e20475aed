"""The scheduler of `callpulse serve` and `callpulse worker`: which job runs when."""

import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from app.alerts import service as alert_service
from app.core.config import Settings
from app.core.db import Database
from app.core.metrics import observe_pass
from app.kpi import aggregation
from app.partitions import PartitionManager


def create_scheduler(
    database: Database, partitions: PartitionManager, settings: Settings
) -> BackgroundScheduler:
    """Return a scheduler with every periodic job (not started).

    Jobs guard themselves with PostgreSQL advisory locks, so any number of processes may
    run this scheduler without double work.
    """
    scheduler = BackgroundScheduler(timezone="UTC")
    jobs: list[tuple[str, Callable[[], object], float]] = [
        ("aggregate", lambda: timed_pass(database, settings), settings.aggregate_every_s),
        ("alerts", lambda: alert_service.evaluate_all(database, settings), settings.alerts_every_s),
        ("open-agent-states", lambda: aggregation.mark_open_agents(database, settings), 60),
        (
            "partitions-ahead",
            lambda: partitions.ensure_ahead(datetime.now(UTC), settings.partitions_ahead_months),
            6 * 3600,
        ),
    ]
    for job_id, run, every_s in jobs:
        scheduler.add_job(
            run,
            "interval",
            seconds=every_s,
            id=job_id,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
    return scheduler


def timed_pass(database: Database, settings: Settings) -> aggregation.PassReport:
    """Run one aggregation pass and record its duration when it took markers."""
    started = time.perf_counter()
    report = aggregation.run_pass(database, settings)
    if report.markers:
        observe_pass(time.perf_counter() - started, report.markers)
    return report
