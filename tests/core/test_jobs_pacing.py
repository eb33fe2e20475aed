"""Scheduled aggregation passes take at most their share of the time (app.jobs.Paced), and
their expected overruns are not logged every second."""

import logging
import time
from datetime import UTC, datetime

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from app.jobs import Paced, Woken, expect_overruns
from tests.clocks import HandClock


def test_a_long_run_is_followed_by_rest_in_proportion():
    clock, runs, lengths = HandClock(), [], iter([3.0, 0.2, 0.2])

    def job() -> None:
        runs.append(clock.now)
        clock.now += next(lengths)

    paced = Paced(job, share=0.5, clock=clock)
    paced()  # runs 100 → 103: rests until 106
    assert runs == [100.0]
    for at in (104.0, 105.9):
        clock.now = at
        paced()
    assert runs == [100.0], "a tick during the rest is skipped"
    clock.now = 106.0
    paced()  # runs 106 → 106.2: rests until 106.4
    clock.now = 106.3
    paced()
    clock.now = 106.4
    paced()
    assert runs == [100.0, 106.0, 106.4]


def test_a_share_of_one_never_rests_and_a_failed_run_still_rests():
    clock = HandClock()

    def failing() -> None:
        clock.now += 2.0
        raise RuntimeError("database gone")

    paced = Paced(failing, share=0.25, clock=clock)
    with pytest.raises(RuntimeError):
        paced()
    assert paced.resume_at == 102.0 + 2.0 * 3
    always = Paced(lambda: None, share=1.0, clock=clock)
    always()
    assert always.resume_at == clock.now


def test_an_overrunning_aggregation_pass_is_not_logged_every_tick(caplog):
    expect_overruns(["aggregate"])
    scheduler = BackgroundScheduler(timezone="UTC")
    for job_id in ("aggregate", "other"):
        scheduler.add_job(
            lambda: time.sleep(0.6),
            "interval",
            seconds=0.1,
            id=job_id,
            name=job_id,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
    with caplog.at_level(logging.WARNING, logger="apscheduler.scheduler"):
        scheduler.start()
        time.sleep(0.5)
        scheduler.shutdown(wait=True)
    skipped = [r.getMessage() for r in caplog.records if "maximum number" in r.getMessage()]
    assert skipped, "the other job's skips are still logged"
    assert all(message.startswith('Execution of job "other') for message in skipped)


def test_a_wake_runs_the_job_at_once_or_after_its_rest_and_again_if_woken_meanwhile():
    clock, runs, slept = HandClock(), [], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    woken: Woken

    def job() -> None:
        runs.append(clock.now)
        if len(runs) == 1:
            woken.wake()  # an ingest committed while this pass ran
        clock.now += 1.0

    woken = Woken(Paced(job, share=0.5, clock=clock), sleep=sleep)
    woken()  # 100 → 101, woken meanwhile: rests until 102, runs 102 → 103
    assert runs == [100.0, 102.0] and slept == [1.0]
    clock.now = 103.5
    woken()  # a tick during the rest (until 104) is skipped
    assert runs == [100.0, 102.0]
    woken.wake()
    woken()  # a wake during the rest waits it out
    assert runs == [100.0, 102.0, 104.0] and slept == [1.0, 0.5]
