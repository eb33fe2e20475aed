"""The own forecast of a queue's day: read its history, forecast each interval, staff it."""

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from psycopg import Connection

from app.core.config import Settings
from app.erlang import required_agents
from app.forecasting import repository
from app.forecasting.model import WEEKS, History, Sample, SlotForecast, forecast_day, prorated
from app.kpi import queries
from app.kpi.definitions import aht_s, offered
from app.kpi.intervals import grid_floor, iter_buckets, local_midnight
from app.kpi.sources import CALLS
from app.kpi.targets import queue_targets

HISTORY_COMPONENTS = ("answered", "abandoned", "overflowed", "handled", "talk_s", "hold_s", "acw_s")


@dataclass(frozen=True)
class Slot:
    """One stats interval of a local day: its UTC start and its local wall-clock start."""

    start: datetime
    local: time


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the instants of a local day's midnight and the next (DST-safe)."""
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def day_slots(day: date, tz: ZoneInfo, interval_minutes: int) -> list[Slot]:
    """Return the stats intervals of a local day, on the UTC grid, with their local starts."""
    lo, hi = day_bounds(day, tz)
    return [
        Slot(b.key, b.start.time())  # type: ignore[arg-type]
        for b in iter_buckets(lo, hi, "interval", tz, interval_minutes)
    ]


def read_history(
    pg: Connection,
    client_id: int,
    queue_id: int,
    tz: ZoneInfo,
    first: date,
    last: date,
    interval_minutes: int,
) -> History:
    """Return the queue's per-interval history (every vendor's calls) of local days
    `[first, last]`, by local day and wall-clock slot.

    The repeated hour of a DST fall-back puts two intervals on one slot: their mean is kept.
    """
    lo, _ = day_bounds(first, tz)
    _, hi = day_bounds(last, tz)
    grouping = queries.Buckets("interval", lo, hi, str(tz))
    scope = queries.StatsScope(client_id, [queue_id], None)
    rows = queries.sum_components(
        pg, CALLS, HISTORY_COMPONENTS, grouping, scope, interval_minutes=interval_minutes
    )
    found: dict[date, dict[time, list[Sample]]] = defaultdict(lambda: defaultdict(list))
    for start, _, *values in rows:
        c = dict(zip(HISTORY_COMPONENTS, values, strict=True))
        local = start.astimezone(tz)
        seconds = (aht_s(c) or 0.0) * c["handled"]
        found[local.date()][local.time()].append(Sample(offered(c), c["handled"], seconds))
    return {
        day: {slot: _mean(samples) for slot, samples in slots.items()}
        for day, slots in found.items()
    }


def _mean(samples: list[Sample]) -> Sample:
    n = len(samples)
    return Sample(
        sum(s.offered for s in samples) / n,
        sum(s.handled for s in samples) / n,
        sum(s.handled_s for s in samples) / n,
    )


def own_forecast(
    history: History,
    day: date,
    tz: ZoneInfo,
    holidays: Collection[date],
    interval_minutes: int,
) -> list[tuple[Slot, SlotForecast]]:
    """Return the own forecast of each interval of a local day (empty: no history counts)."""
    slots = day_slots(day, tz, interval_minutes)
    by_slot = forecast_day(history, day, sorted({s.local for s in slots}), holidays)
    return [(slot, by_slot[slot.local]) for slot in slots if slot.local in by_slot]


def history_span(first: date, last: date) -> tuple[date, date]:
    """Return the local days the forecasts of days `[first, last]` learn from."""
    return first - timedelta(weeks=WEEKS), last - timedelta(days=7)


def sl_target(targets: dict[str, dict[str, float]], settings: Settings) -> float:
    """Return a queue's service-level target (its own, else the default), as Erlang C uses."""
    return queue_targets(targets, settings)["service_level"].min or settings.default_sl_target


def erlang_agents(
    offered_calls: float,
    aht: float | None,
    target: float,
    threshold_s: int,
    settings: Settings,
) -> int:
    """Return the Erlang C agents an interval needs for `offered_calls` at `aht` (default AHT
    when none) to meet the SL `target` within `threshold_s`."""
    rate = offered_calls / (settings.interval_minutes * 60)
    return required_agents(rate, aht or settings.default_aht_s, target, threshold_s).agents


def own_expected(
    pg: Connection,
    clients: Sequence[int],
    queues: Sequence[int],
    start: datetime,
    end: datetime,
    interval_minutes: int,
) -> dict[int, float | None]:
    """Return per queue (of `clients`) the calls the stored own forecast expects in
    `[start, end)`, pro-rated over the intervals the window overlaps (None when one of them
    has no forecast); one statement for all the queues."""
    first = grid_floor(start, interval_minutes)
    forecasts = repository.own_offered_per_queue(pg, clients, queues, first, end)
    step = timedelta(minutes=interval_minutes)
    return {q: prorated(forecasts.get(q, {}), first, start, end, step) for q in queues}
