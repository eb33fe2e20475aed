"""The scheduler of `callpulse serve` and `callpulse worker`: which job runs when."""

from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from app.alerts import service as alert_service
from app.core.config import Settings
from app.core.db import Database
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
    scheduler.add_job(
        aggregation.run_pass,
        "interval",
        args=[database, settings],
        seconds=settings.aggregate_every_s,
        id="aggregate",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        alert_service.evaluate_all,
        "interval",
        args=[database, settings],
        seconds=settings.alerts_every_s,
        id="alerts",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        aggregation.mark_open_agents,
        "interval",
        args=[database, settings],
        seconds=60,
        id="open-agent-states",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        lambda: partitions.ensure_ahead(datetime.now(UTC), settings.partitions_ahead_months),
        "interval",
        hours=6,
        id="partitions-ahead",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
    )
    return scheduler
