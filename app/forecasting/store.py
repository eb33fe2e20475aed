"""Store CallPulse's own forecast of every queue, for today and tomorrow (the scheduler's
`own-forecast` job) or back over past days (`callpulse forecast --days N`), so that its
accuracy can be measured against what then arrived.

Each queue's days are written in one transaction under the `FORECAST` advisory lock; rows
are upserted by (queue, source `callpulse`, interval), so a run repeated gives the same rows.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.core import locks
from app.core.config import Settings
from app.core.db import Database, driver_connection
from app.forecasting import repository
from app.forecasting.service import (
    erlang_agents,
    history_span,
    own_forecast,
    read_history,
    sl_target,
)

EVERY_S = 3600
"""How often the scheduler refreshes today's and tomorrow's own forecast (history changes
only as days end, but a late feed or a rebuild may correct the past weeks)."""


def store_forecasts(
    database: Database,
    settings: Settings,
    past_days: int = 0,
    client_id: int | None = None,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    wait: bool = False,
) -> int:
    """Forecast each queue's local days from `past_days` ago to tomorrow and upsert them;
    return the intervals written. Without `wait`, another run holding the lock ends this one.
    `progress` is told the queues done and their number after each queue."""
    now = now or datetime.now(UTC)
    with database.session_scope() as session:
        queues = repository.forecast_queues(driver_connection(session), client_id)
    written = 0
    for done, queue in enumerate(queues, 1):
        with database.session_scope() as session:
            pg = driver_connection(session)
            if wait:
                locks.wait_for_lock(pg, locks.Lock.FORECAST)
            elif not locks.try_lock(pg, locks.Lock.FORECAST):
                return written
            tz = ZoneInfo(queue.timezone)
            today = now.astimezone(tz).date()
            first, last = today - timedelta(days=past_days), today + timedelta(days=1)
            history = read_history(
                pg,
                queue.client_id,
                queue.queue_id,
                tz,
                *history_span(first, last),
                settings.interval_minutes,
            )
            target = sl_target(queue.targets, settings)
            rows = [
                (
                    slot.start,
                    forecast.offered,
                    forecast.aht_s,
                    float(
                        erlang_agents(
                            forecast.offered,
                            forecast.aht_s,
                            target,
                            queue.sl_threshold_s,
                            settings,
                        )
                    ),
                )
                for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
                for slot, forecast in own_forecast(
                    history, day, tz, queue.holidays, settings.interval_minutes
                )
            ]
            repository.store_own(pg, queue.client_id, queue.queue_id, rows)
            written += len(rows)
        if progress:
            progress(done, len(queues))
    return written
