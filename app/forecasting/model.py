"""CallPulse's own forecast (pure): each interval of a day from the same weekday and interval
of the past weeks, weighted toward the recent ones.

For the slot (local wall-clock start) t of day D, with weeks k = 1 … N back (D − 7k):

    weight(k)   = N + 1 − k          (N = 6: 6, 5, 4, 3, 2, 1 — last week counts six times
                                      the sixth week back)
    offered(t)  = Σ_k weight(k) · offered_k(t) / Σ_k weight(k)
    AHT(t)      = Σ_k weight(k) · handled_s_k(t) / Σ_k weight(k) · handled_k(t)
                  (AHT weighted by handled calls; None when no week handled a call at t)

over the weeks k whose day D − 7k is not a holiday and has data (at least one stats row
that day): a holiday's traffic is not the weekday's, and a day without data (before the
queue started, a feed outage) is no evidence of zero calls. On a counted day, a slot without
a row had no calls (0). No counted week: no forecast.

Linear weights, not exponential: a recent week leads, yet one odd week (a campaign, an
outage) moves the forecast by at most 6/21 of its deviation.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.kpi.definitions import forecast_accuracy

WEEKS = 6


@dataclass(frozen=True)
class Sample:
    """One interval's history: calls offered, calls handled, and their handling seconds."""

    offered: float = 0.0
    handled: float = 0.0
    handled_s: float = 0.0


@dataclass(frozen=True)
class SlotForecast:
    """The forecast of one slot: offered calls and AHT (None: no handled call to learn from)."""

    offered: float
    aht_s: float | None


History = Mapping[date, Mapping[time, Sample]]
"""Per local day with data, each slot's sample (a slot absent from a day had no calls)."""


def week_weight(k: int, weeks: int = WEEKS) -> int:
    """Return the weight of the week `k` weeks back (1 = last week): N + 1 − k."""
    return weeks + 1 - k


def counted_days(
    history: History, day: date, holidays: Collection[date], weeks: int = WEEKS
) -> list[tuple[date, int]]:
    """Return the past same-weekday days that count, with their weights (newest first)."""
    days = [(day - timedelta(weeks=k), week_weight(k, weeks)) for k in range(1, weeks + 1)]
    return [(d, w) for d, w in days if d not in holidays and d in history]


def forecast_day(
    history: History,
    day: date,
    slots: Sequence[time],
    holidays: Collection[date] = (),
    weeks: int = WEEKS,
) -> dict[time, SlotForecast]:
    """Return the forecast of each slot of `day` (empty when no past week counts)."""
    counted = counted_days(history, day, holidays, weeks)
    total = sum(w for _, w in counted)
    if not total:
        return {}
    empty = Sample()
    forecasts = {}
    for slot in slots:
        samples = [(history[d].get(slot, empty), w) for d, w in counted]
        handled = sum(w * s.handled for s, w in samples)
        seconds = sum(w * s.handled_s for s, w in samples)
        forecasts[slot] = SlotForecast(
            offered=sum(w * s.offered for s, w in samples) / total,
            aht_s=seconds / handled if handled > 0 and seconds > 0 else None,
        )
    return forecasts


def accuracy(pairs: Sequence[tuple[float, float]]) -> float | None:
    """Return the catalogue's `forecast_accuracy` over `(actual, forecast)` pairs of intervals.

    The plan measures the own forecast alone (the KPI reads whichever forecast counts), so it
    sums the KPI's two components itself and leaves the formula to the catalogue.
    """
    return forecast_accuracy(
        {
            "forecast_offered_error": sum(abs(a - f) for a, f in pairs),
            "forecast_actual_offered": sum(a for a, _ in pairs),
        }
    )


def prorated(
    forecast: Mapping[datetime, float],
    first: datetime,
    start: datetime,
    end: datetime,
    step: timedelta,
) -> float | None:
    """Return the calls forecast for `[start, end)`: each interval's (from `first`, the one
    holding `start`) offered × the share of it inside the window; None unless every
    interval the window overlaps has a forecast."""
    total, cursor = 0.0, first
    while cursor < end:
        if cursor not in forecast:
            return None
        inside = min(end, cursor + step) - max(start, cursor)
        total += forecast[cursor] * (inside / step)
        cursor += step
    return total
