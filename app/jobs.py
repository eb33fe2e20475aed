"""The scheduler of `callpulse serve` and `callpulse worker`: which job runs when."""

from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from app.core.config import Settings
from app.partitions import PartitionManager


def create_scheduler(partitions: PartitionManager, settings: Settings) -> BackgroundScheduler:
    """Return a scheduler with every periodic job (not started)."""
    scheduler = BackgroundScheduler(timezone="UTC")
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
