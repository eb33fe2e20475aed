"""Ingest forecasts (`POST /v1/forecasts`): validate, place on the interval grid, upsert.

Who may send: a vendor key, for the queues it serves (its WFM team forecasts them), and a
client key, for its own queues (a client often forecasts and hands the plan to its vendors).
A forecast is of the queue, whoever sent it. One row per queue, source and stats interval: a
post of the same key replaces it, so re-forecasting is idempotent and a replay a duplicate.

Intervals: `interval_start` must lie on the stats grid (CALLPULSE_INTERVAL_MINUTES), else
the record is refused by name rather than moved, since a shifted forecast would be scored
against the wrong calls. A coarser forecast (`interval_min`, a whole multiple of the stats
interval) is split evenly: its offered calls shared out, its AHT and required agents (levels)
kept for each stats interval, so a 30-minute WFM plan scores on a 15-minute grid.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from app.access.keys import Principal
from app.core.config import Settings
from app.core.db import Database, driver_connection
from app.core.grid import GRID_ORIGIN
from ingest import forecast_repository
from ingest.checks import (
    RecordRejected,
    excerpt,
    sent,
)
from ingest.forecast_repository import ForecastRow
from ingest.forecast_schema import ForecastRecord
from ingest.kinds import KEY_CHARS
from ingest.posts import Post, validated
from ingest.raw import RawRecord
from ingest.schedules import AHEAD_DAYS
from ingest.senders import sender_of
from ingest.service import IngestResult

FORECASTS_KIND = "forecasts"


def record_key(value: Any) -> str | None:
    """Return `queue@interval_start` of a posted forecast, for error reports (bounded)."""
    if not isinstance(value, dict) or not isinstance(value.get("queue"), str):
        return None
    start = value.get("interval_start")
    key = f"{value['queue']}@{start}" if isinstance(start, str) else value["queue"]
    return excerpt(key, KEY_CHARS)


def grid_problems(record: ForecastRecord, minutes: int) -> list[str]:
    """Name what puts a forecast off the stats interval grid of `minutes`, if anything."""
    step = timedelta(minutes=minutes)
    problems = []
    off = (record.interval_start - GRID_ORIGIN) % step
    if off:
        before = record.interval_start - off
        problems.append(
            f"interval_start: {sent(record.interval_start)} is not on the {minutes}-minute"
            f" interval grid (CALLPULSE_INTERVAL_MINUTES); send {sent(before)} or"
            f" {sent(before + step)}"
        )
    if record.interval_min is not None and record.interval_min % minutes:
        problems.append(
            f"interval_min: {record.interval_min} is not a whole multiple of the {minutes}-minute"
            f" stats interval; send {minutes}, {2 * minutes}, …"
        )
    return problems


def split(record: ForecastRecord, minutes: int) -> list[tuple[datetime, float]]:
    """Return the stats intervals a forecast covers, each with its share of offered calls."""
    parts = (record.interval_min or minutes) // minutes
    return [
        (record.interval_start + timedelta(minutes=minutes * i), record.offered / parts)
        for i in range(parts)
    ]


class ForecastService:
    """Write forecast posts: one row per queue, source and stats interval, replaced by a post."""

    def __init__(self, database: Database, settings: Settings):
        self.database = database
        self.settings = settings

    def ingest(self, principal: Principal, records: Sequence[RawRecord]) -> IngestResult:
        """Validate and upsert `records`; every refused record is kept with its reasons."""
        post = Post(record_key)
        minutes = self.settings.interval_minutes
        valid = validated(
            post,
            records,
            ForecastRecord,
            ("interval_start",),
            self.settings.max_record_age_days,
            timedelta(days=AHEAD_DAYS),
            lambda record: grid_problems(record, minutes),
        )
        with self.database.session_scope() as session:
            pg = driver_connection(session)
            sender = sender_of(pg, principal)
            rows: list[tuple[int, ForecastRow]] = []
            for raw, record in valid:
                try:
                    client_id, queue_id = sender.queue(pg, record.queue)
                except RecordRejected as exc:
                    post.reject(raw, exc.errors)
                    continue
                rows += [
                    (
                        raw.index,
                        ForecastRow(
                            client_id,
                            queue_id,
                            record.source,
                            start,
                            offered,
                            record.aht_s,
                            record.required_agents,
                        ),
                    )
                    for start, offered in split(record, self.settings.interval_minutes)
                ]
            # In key order (stable: a key sent twice applies in batch order), so concurrent
            # posts take their row locks in one order and never deadlock.
            rows.sort(key=lambda item: item[1][:4])
            changed = {index for index, row in rows if forecast_repository.upsert(pg, row)}
            for index, client_id in sorted({(index, row.client_id) for index, row in rows}):
                post.wrote(index, [client_id], index in changed)
            post.store(pg, FORECASTS_KIND, sender.vendor_id, sender.client_of)
        return post.result
