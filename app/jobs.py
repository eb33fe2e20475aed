"""The scheduler of `callpulse serve` and `callpulse worker`: which job runs when."""

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from app.alerts import service as alert_service
from app.contracts.projected_readings import ProjectedReadings
from app.core.config import Settings
from app.core.db import Database
from app.core.metrics import observe_pass
from app.forecasting import store as own_forecast
from app.kpi import aggregation
from app.partitions import PartitionManager


def create_scheduler(
    database: Database, partitions: PartitionManager, settings: Settings
) -> BackgroundScheduler:
    """Return a scheduler with every periodic job (not started).

    Jobs guard themselves with PostgreSQL advisory locks, so any number of processes may
    run this scheduler without double work: the aggregation and alert passes claim clients,
    each by its own lock, so several workers split them; the rare or cheap global jobs
    (partitions, own forecast) keep one lock each.
    """
    scheduler = BackgroundScheduler(timezone="UTC")
    expect_overruns(["aggregate"])
    jobs: list[tuple[str, Callable[[], object], float]] = [
        (
            "aggregate",
            Paced(lambda: timed_pass(database, settings), settings.aggregate_max_share),
            settings.aggregate_every_s,
        ),
        (
            "alerts",
            lambda: alert_service.evaluate_all(
                database,
                settings,
                projections=lambda session, now: ProjectedReadings(session, settings, now),
            ),
            settings.alerts_every_s,
        ),
        ("open-agent-states", lambda: aggregation.mark_open_agents(database, settings), 60),
        (
            "own-forecast",
            lambda: own_forecast.store_forecasts(database, settings),
            own_forecast.EVERY_S,
        ),
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


SKIPPED_RUNNING = 'Execution of job "%s" skipped: maximum number of running instances'


class ExpectedOverruns(logging.Filter):
    """Drop APScheduler's "skipped: maximum number of running instances" for some jobs.

    The aggregation pass fires every second and is paced (`Paced`): after a burst a pass
    runs for seconds, so the scheduler finds it still running at each tick, as designed, and
    would warn every second. Only that message of those jobs is dropped; every other record
    (errors of any job, skips of the others) passes. The lag shows in the metrics.
    """

    def __init__(self, job_ids: list[str]) -> None:
        super().__init__()
        self.job_ids = frozenset(job_ids)

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record unless it is the skip of one of the jobs."""
        if not isinstance(record.msg, str) or not record.msg.startswith(SKIPPED_RUNNING):
            return True
        job = record.args[0] if isinstance(record.args, tuple) and record.args else None
        return getattr(job, "id", None) not in self.job_ids


def expect_overruns(job_ids: list[str]) -> None:
    """Install `ExpectedOverruns` on APScheduler's logger, once per process."""
    logger = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, ExpectedOverruns) for f in logger.filters):
        logger.addFilter(ExpectedOverruns(job_ids))


class Paced:
    """Run a job at most a `share` of the time: t seconds of run, then t × (1/share − 1) of rest.

    A pass that recomputes intervals from raw facts (agent states, a rebuild's markers) may
    run for seconds on end after a burst; back to back, such passes would hold the database
    and the process's cores while ingest (what feeds the next pass) waits. Paced, the lag
    grows instead, and shows in `callpulse_aggregation_lag_seconds`.
    """

    def __init__(
        self, run: Callable[[], object], share: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.run, self.share, self.clock = run, share, clock
        self.resume_at = float("-inf")

    def __call__(self) -> None:
        """Run the job unless the previous run's pause is not over."""
        started = self.clock()
        if started < self.resume_at:
            return
        try:
            self.run()
        finally:
            finished = self.clock()
            self.resume_at = finished + (finished - started) * (1 / self.share - 1)


def timed_pass(database: Database, settings: Settings) -> aggregation.PassReport:
    """Run one aggregation pass and record its duration when it had work."""
    started = time.perf_counter()
    report = aggregation.run_pass(database, settings)
    if report.markers or report.changes:
        observe_pass(time.perf_counter() - started, report.markers)
    return report
