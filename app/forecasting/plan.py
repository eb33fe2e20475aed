"""A queue's interval plan for one local day: forecast, Erlang C need, schedule, accuracy.

Per interval the forecast used is a WFM tool's when one was posted (`POST /v1/forecasts`;
the newest received when several were), else CallPulse's own (stored by the forecast job,
or computed now for a day it has not stored). The plan is the queue's, every vendor's calls:
what its vendors staff for. Scheduled agents are the viewer's: a vendor's key sees its own
agents' schedule against the queue's whole need.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import Connection
from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.access.scope import Scope, queue_scope
from app.core.config import Settings
from app.core.db import driver_connection
from app.core.errors import AppError
from app.forecasting import repository
from app.forecasting.model import accuracy
from app.forecasting.service import (
    day_bounds,
    day_slots,
    erlang_agents,
    history_span,
    own_forecast,
    read_history,
    sl_target,
)
from app.kpi import queries
from app.kpi.definitions import offered
from app.kpi.sources import CALLS
from app.models.forecasts import OWN_FORECAST_SOURCE

ACCURACY_DAYS = 7
"""The own forecast's accuracy is measured over the last 7 whole local days (one each weekday)."""


def readable_plan(
    session: Session, principal: Principal, code: str, day: date | None, settings: Settings
) -> dict[str, Any]:
    """Return the plan of a queue the principal may read (404 otherwise) for a local day,
    tomorrow in the client's timezone by default (the route and the plan page alike)."""
    scope = queue_scope(session, principal, code)
    wanted = day or tomorrow(scope.timezone)
    return queue_plan(driver_connection(session), scope, wanted, settings)


def plan_day(text: str | None) -> date | None:
    """Read a plan's `date=` parameter: a local day, or None (tomorrow) when not given."""
    try:
        return None if text is None else date.fromisoformat(text)
    except ValueError as exc:
        raise AppError(f"date: {text!r} is not a date like 2026-12-01") from exc


def tomorrow(tz: ZoneInfo, now: datetime | None = None) -> date:
    """Return tomorrow's date in a client's timezone: the day a plan is made for."""
    return (now or datetime.now(UTC)).astimezone(tz).date() + timedelta(days=1)


def queue_plan(
    pg: Connection, scope: Scope, day: date, settings: Settings, now: datetime | None = None
) -> dict[str, Any]:
    """Return the plan of the scope's queue for a local day."""
    now = now or datetime.now(UTC)
    queue, tz, minutes = scope.queues[0], scope.timezone, settings.interval_minutes
    lo, hi = day_bounds(day, tz)
    chosen = _chosen(pg, scope, day, settings)
    scheduled = repository.scheduled_agents(
        pg, scope.client_id, queue.id, scope.vendor_id, lo, hi, minutes
    )
    target = sl_target(queue.targets, settings)
    intervals = []
    for slot in day_slots(day, tz, minutes):
        source, forecast_offered, aht = chosen.get(slot.start, (None, None, None))
        need = (
            None
            if forecast_offered is None
            else erlang_agents(forecast_offered, aht, target, queue.sl_threshold_s, settings)
        )
        have = round(scheduled.get(slot.start, 0.0), 2) if scheduled else None
        intervals.append(
            {
                "start": slot.start.astimezone(tz).isoformat(),
                "end": (slot.start + timedelta(minutes=minutes)).astimezone(tz).isoformat(),
                "source": source,
                "offered": None if forecast_offered is None else round(forecast_offered, 2),
                "aht_s": None if aht is None else round(aht, 1),
                "required_agents": need,
                "scheduled_agents": have,
                "staffing_gap": None if need is None or have is None else round(have - need, 2),
            }
        )
    return {
        "queue": queue.code,
        "client": scope.client_code,
        "date": day.isoformat(),
        "timezone": str(tz),
        "interval_minutes": minutes,
        "sl_threshold_s": queue.sl_threshold_s,
        "target_service_level": target,
        "default_aht_s": settings.default_aht_s,
        "own_forecast_accuracy": own_accuracy(pg, scope, now, settings),
        "intervals": intervals,
    }


def _chosen(
    pg: Connection, scope: Scope, day: date, settings: Settings
) -> dict[datetime, tuple[str, float, float | None]]:
    """Return the forecast used per interval: `(source, offered, aht_s)`."""
    queue, tz = scope.queues[0], scope.timezone
    lo, hi = day_bounds(day, tz)
    chosen: dict[datetime, tuple[str, float, float | None]] = {}
    own: dict[datetime, tuple[str, float, float | None]] = {}
    for row in repository.stored(pg, scope.client_id, queue.id, lo, hi):
        found = chosen if row.source != OWN_FORECAST_SOURCE else own
        found.setdefault(row.interval_start, (row.source, row.offered, row.aht_s))
    for start, value in own.items():
        chosen.setdefault(start, value)
    slots = day_slots(day, tz, settings.interval_minutes)
    if all(slot.start in chosen for slot in slots):
        return chosen
    holidays = repository.client_holidays(pg, scope.client_id)
    history = read_history(
        pg, scope.client_id, queue.id, tz, *history_span(day, day), settings.interval_minutes
    )
    for slot, forecast in own_forecast(history, day, tz, holidays, settings.interval_minutes):
        chosen.setdefault(slot.start, (OWN_FORECAST_SOURCE, forecast.offered, forecast.aht_s))
    return chosen


def own_accuracy(pg: Connection, scope: Scope, now: datetime, settings: Settings) -> dict[str, Any]:
    """Return the stored own forecast's accuracy over the last `ACCURACY_DAYS` whole local
    days: 1 − Σ|actual − forecast| / Σ actual over the intervals it forecast (actual offered,
    every vendor's calls, as the forecast is the queue's)."""
    queue, tz = scope.queues[0], scope.timezone
    today = now.astimezone(tz).date()
    first = today - timedelta(days=ACCURACY_DAYS)
    lo, _ = day_bounds(first, tz)
    hi, _ = day_bounds(today, tz)
    forecast = repository.own_offered(pg, scope.client_id, queue.id, lo, hi)
    rows = queries.sum_components(
        pg,
        CALLS,
        ("answered", "abandoned", "overflowed"),
        queries.Buckets("interval", lo, hi, str(tz)),
        queries.StatsScope(scope.client_id, [queue.id], None),
        interval_minutes=settings.interval_minutes,
    )
    actual = {
        start: offered(dict(zip(("answered", "abandoned", "overflowed"), values, strict=True)))
        for start, _, *values in rows
    }
    pairs = [(actual.get(start, 0.0), value) for start, value in forecast.items()]
    value = accuracy(pairs)
    return {
        "kpi": "forecast_accuracy",
        "from": first.isoformat(),
        "to": today.isoformat(),
        "intervals": len(pairs),
        "value": None if value is None else round(value, 4),
    }
