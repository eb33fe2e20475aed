"""Which calls (or tickets) stand behind a figure, as evidence queries (pure).

A wallboard tile's waiting, abandoned and service-level figures list today's calls in the
client's timezone; an SLA target lists what missed it in the period. Where the figure is a
count or a ratio of counts the listed rows are exactly its misses (`exact`); where it is an
average (ASA, CSAT) they are the calls past its target, and the figure does not fix their
number. KPIs with no miss a single call can carry get no listing, and a reason word.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.contracts.config import target_kpi
from app.evidence.service import CallQuery, TicketQuery
from app.kpi.intervals import local_midnight

Query = CallQuery | TicketQuery


@dataclass(frozen=True)
class Listing:
    """The rows behind a figure: their source, and the queries whose rows, in order, are them."""

    source: str  # "calls" or "tickets"
    queries: tuple[Query, ...]
    exact: bool = True  # the figure fixes how many rows there are


NO_CALL_LEVEL = {  # KPI → why no call or ticket misses it on its own (an i18n word)
    "aht_s": "missed_none_mean",
    "att_s": "missed_none_mean",
    "acw_s": "missed_none_mean",
    "avg_hold_s": "missed_none_mean",
    "hold_rate": "missed_none_mean",
    "ticket_frt_s": "missed_none_mean",
    "occupancy": "missed_none_agents",
    "utilization": "missed_none_agents",
    "not_ready_ratio": "missed_none_agents",
    "alert_response_s": "missed_none_alerts",
    "schedule_adherence": "missed_none_schedules",
    "conformance": "missed_none_schedules",
    "forecast_accuracy": "missed_none_forecasts",
    "aht_forecast_accuracy": "missed_none_forecasts",
    "staffing_forecast_accuracy": "missed_none_forecasts",
    "schedule_forecast_accuracy": "missed_none_forecasts",
}


def local_day(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return today's start and end (the next midnight) in `zone`, DST-safe."""
    today = now.astimezone(zone).date()
    return (
        local_midnight(today, zone),
        local_midnight(today + timedelta(days=1), zone),
    )


def today_calls(kind: str, now: datetime, zone: ZoneInfo, waiting_horizon_s: int) -> Listing:
    """Return the calls behind a tile's figure: `waiting` now, today's `abandoned`, today's
    `sl_missed` (today in the client's timezone `zone`).

    A call still waits at most the waiting horizon, so the waiting list reaches back that far
    even past midnight, as the live count does.
    """
    start, end = local_day(now, zone)
    if kind == "waiting":
        since = min(start, now - timedelta(seconds=waiting_horizon_s))
        return Listing("calls", (CallQuery(start=since, end=now, outcome="waiting"),))
    if kind == "abandoned":
        return Listing("calls", (CallQuery(start=start, end=end, outcome="abandoned"),))
    if kind == "sl_missed":
        return Listing("calls", (CallQuery(start=start, end=end, sl="missed"),))
    raise ValueError(f"unknown list of calls {kind!r}")


def missed_listing(
    key: str, target: dict[str, float | None], start: datetime, end: datetime
) -> Listing | None:
    """Return what missed a contract target (`ticket_frt_sla.email` keys take a channel) in
    [start, end), or None when no call or ticket misses that KPI on its own."""
    kpi, channel = target_kpi(key)
    low, high = target.get("min"), target.get("max")
    call = CallQuery(start=start, end=end)

    def calls(*queries: CallQuery, exact: bool = True) -> Listing:
        return Listing("calls", queries, exact)

    if kpi == "service_level":
        return calls(replace(call, sl="missed"))
    if kpi == "abandon_rate":
        return calls(replace(call, outcome="abandoned"))
    if kpi == "answer_rate":  # offered = answered + abandoned + overflowed
        return calls(replace(call, outcome="abandoned"), replace(call, outcome="overflowed"))
    if kpi == "overflow_rate":
        return calls(replace(call, outcome="overflowed"))
    if kpi == "transfer_rate":
        return calls(replace(call, transferred=True))
    if kpi == "fcr_rate":
        return calls(replace(call, resolved=False))
    if kpi == "asa_s" and high is not None:
        return calls(replace(call, outcome="answered", min_wait_s=high), exact=False)
    if kpi == "callback_timeliness":  # the requests due and not called back in time
        return calls(replace(call, outcome="callback", callback="missed"))
    if kpi == "csat" and low is not None:
        return calls(replace(call, csat_below=low), exact=False)
    ticket = TicketQuery(start=start, end=end, channel=channel)
    if kpi == "ticket_frt_sla":
        return Listing("tickets", (replace(ticket, frt="missed"),))
    if kpi == "ticket_resolution_sla":
        return Listing("tickets", (replace(ticket, resolution="missed"),))
    return None


def missed_source(key: str, target: dict[str, float | None]) -> str | None:
    """Return what misses a target, `calls` or `tickets`, or None when nothing single does."""
    moment = datetime(1970, 1, 1, tzinfo=UTC)
    listing = missed_listing(key, target, moment, moment)
    return listing.source if listing else None
