"""The scheduler of `callpulse serve` and `callpulse worker`: which job runs when."""

import logging
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.background import BackgroundScheduler

from app.alerts import service as alert_service
from app.contracts.projected_readings import ProjectedReadings
from app.core.changes import INGEST
from app.core.config import Settings
from app.core.db import Database
from app.core.metrics import observe_pass
from app.core.outage import OutageLog, is_outage
from app.forecasting import store as own_forecast
from app.kpi import aggregation
from app.partitions import PartitionManager

AGGREGATE = "aggregate"

log = logging.getLogger(__name__)


class Jobs:
    """Every periodic job on one scheduler; the aggregation also runs as soon as an ingest
    commits (`heard`, subscribed to `app.core.changes.ChangeListener`).

    Jobs guard themselves with PostgreSQL advisory locks, so any number of processes may
    run them without double work: the aggregation and alert passes claim clients, each by
    its own lock, so several workers split them; the rare or cheap global jobs (partitions,
    own forecast) keep one lock each.
    """

    def __init__(self, database: Database, partitions: PartitionManager, settings: Settings):
        # Guarded inside its pacing: a tick skipped during a rest is no sign the database is back.
        self.aggregation = Woken(
            Paced(
                OutageLogged(AGGREGATE, lambda: timed_pass(database, settings)),
                settings.aggregate_max_share,
            )
        )
        self.scheduler = BackgroundScheduler(timezone="UTC")
        expect_overruns([AGGREGATE])
        jobs: list[tuple[str, Callable[[], object], float]] = [
            (AGGREGATE, self.aggregation, settings.aggregate_every_s),
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
                lambda: partitions.ensure_ahead(
                    datetime.now(UTC), settings.partitions_ahead_months
                ),
                6 * 3600,
            ),
        ]
        for job_id, run, every_s in jobs:
            self.scheduler.add_job(
                run if job_id == AGGREGATE else OutageLogged(job_id, run),
                "interval",
                seconds=every_s,
                id=job_id,
                name=job_id,
                max_instances=1,
                coalesce=True,
                next_run_time=datetime.now(UTC),
            )

    def start(self) -> None:
        """Start running the jobs in the background."""
        self.scheduler.start()

    def shutdown(self) -> None:
        """Stop the scheduler without waiting for running jobs."""
        self.scheduler.shutdown(wait=False)

    def heard(self, kind: str | None, client_id: int | None) -> None:
        """Run the aggregation now when an ingest committed (or anything may have changed)."""
        del client_id  # a pass claims whichever clients have markers
        if kind not in (INGEST, None):
            return
        self.aggregation.wake()
        # not started yet or shutting down: the tick (or nothing) runs it
        with suppress(JobLookupError, SchedulerNotRunningError):
            self.scheduler.modify_job(AGGREGATE, next_run_time=datetime.now(UTC))


class OutageLogged:
    """A job that logs a database outage once, and its end, rather than failing each run.

    APScheduler logs every exception of a job with its traceback: during a failover, one a
    second from the aggregation alone, and nothing saying when it was over. The job itself
    resumes on its own at its next run (the pool replaces dead connections).
    """

    def __init__(self, job_id: str, run: Callable[[], object]) -> None:
        self.run = run
        self.outage = OutageLog(job_id, log)

    def __call__(self) -> None:
        """Run the job; an outage is logged (once), any other error raised."""
        try:
            self.run()
        except Exception as exc:
            if not is_outage(exc):
                raise
            self.outage.failed(exc)
        else:
            self.outage.succeeded()


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


class Woken:
    """Run a paced job at its tick, and at once (after its rest) when woken.

    A wake while the job runs makes it run again when done, so a change committed during a
    pass is never left for the next tick; a wake during its rest waits the rest out, so the
    job still takes at most its share of the time.
    """

    def __init__(self, paced: Paced, sleep: Callable[[float], None] = time.sleep) -> None:
        self.paced, self.sleep = paced, sleep
        self._woken = threading.Event()

    def wake(self) -> None:
        """Ask for a run as soon as the rest allows."""
        self._woken.set()

    def __call__(self) -> None:
        """Run (a tick during the rest is skipped), and again while woken meanwhile."""
        while True:
            if self._woken.is_set():
                self._woken.clear()
                self.sleep(max(0.0, self.paced.resume_at - self.paced.clock()))
            self.paced()
            if not self._woken.is_set():
                return


def timed_pass(database: Database, settings: Settings) -> aggregation.PassReport:
    """Run one aggregation pass and record its duration when it had work.

    A scheduled pass recomputes at most `aggregate_pass_markers` markers: the minute's
    refresh of a floor's open agents (2,000 agents late in a day: 0.6–0.9 s in one pass,
    then as long a rest) would otherwise hold back the calls that come in meanwhile.
    """
    started = time.perf_counter()
    report = aggregation.run_pass(database, settings, most=settings.aggregate_pass_markers)
    if report.markers or report.changes:
        observe_pass(time.perf_counter() - started, report.markers)
    return report
