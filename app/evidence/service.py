"""The calls, tickets and QA evaluations behind every figure: check a query, read a page,
shape its rows.

A listing reads what its scope may read (`app.access.scope`): a queue, or a client's visible
queues; a vendor key only its own vendor's records of shared queues (`vendor=` narrows,
never widens). Rows are JSON-ready, times RFC 3339 in the client's timezone.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

import psycopg

from app.access.scope import Scope
from app.core import cursor as cursors
from app.core.config import Settings, get_settings
from app.core.errors import AppError
from app.core.vocabulary import TICKET_CHANNELS, spoken_list
from app.evidence import repository
from app.evidence.outcomes import CALL_OUTCOMES
from app.evidence.repository import (
    VERDICTS,
    CallFilter,
    Filter,
    QaFilter,
    TicketFilter,
    Within,
)
from app.kpi.intervals import span

TIME_FIELDS = {
    "calls": ("offered_at", "answered_at", "ended_at"),
    "tickets": ("created_at", "first_response_at", "resolved_at"),
    "qa-evaluations": ("evaluated_at",),
}


@dataclass(frozen=True)
class CallQuery:
    """Which calls to list: offered in `[start, end)`, with optional filters."""

    start: datetime
    end: datetime
    outcome: str | None = None
    sl: str | None = None
    agent: str | None = None
    vendor: str | None = None
    min_wait_s: float | None = None
    transferred: bool | None = None
    resolved: bool | None = None
    csat_below: float | None = None
    callback: str | None = None


@dataclass(frozen=True)
class TicketQuery:
    """Which tickets to list: created in `[start, end)`, with optional filters."""

    start: datetime
    end: datetime
    channel: str | None = None
    agent: str | None = None
    vendor: str | None = None
    frt: str | None = None
    resolution: str | None = None
    open: bool | None = None


@dataclass(frozen=True)
class QaQuery:
    """Which QA evaluations to list: evaluated in `[start, end)`, of an agent, a vendor."""

    start: datetime
    end: datetime
    agent: str | None = None
    vendor: str | None = None


Query = CallQuery | TicketQuery | QaQuery


class Page(NamedTuple):
    """One page of rows, and the cursor of the next one (None: this was the last)."""

    rows: list[dict[str, Any]]
    next_cursor: str | None


def list_calls(
    pg: psycopg.Connection,
    scope: Scope,
    query: CallQuery,
    limit: int = 100,
    cursor: str | None = None,
    *,
    settings: Settings | None = None,
) -> Page:
    """Return a page of the calls matching `query`, oldest offered first."""
    return _listed(pg, scope, query, limit, cursor, settings or get_settings())


def list_tickets(
    pg: psycopg.Connection,
    scope: Scope,
    query: TicketQuery,
    limit: int = 100,
    cursor: str | None = None,
    *,
    settings: Settings | None = None,
) -> Page:
    """Return a page of the tickets matching `query`, oldest created first."""
    return _listed(pg, scope, query, limit, cursor, settings or get_settings())


def list_qa_evaluations(
    pg: psycopg.Connection,
    scope: Scope,
    query: QaQuery,
    limit: int = 100,
    cursor: str | None = None,
    *,
    settings: Settings | None = None,
) -> Page:
    """Return a page of the QA evaluations matching `query`, oldest evaluated first."""
    return _listed(pg, scope, query, limit, cursor, settings or get_settings())


def count_rows(pg: psycopg.Connection, scope: Scope, query: Query, settings: Settings) -> int:
    """Return how many rows match `query`: the figure a listing's pages add up to."""
    within, rows = _listing(pg, scope, query, settings)
    return repository.count(pg, within, rows)


def export_rows(
    pg: psycopg.Connection, scope: Scope, query: Query, settings: Settings
) -> Iterator[dict[str, Any]]:
    """Return every row matching `query` (at most `max_export_rows`, else 400), page by page."""
    within, rows = _listing(pg, scope, query, settings)
    _check_export(repository.count(pg, within, rows), rows.kind, settings)
    return _all(pg, within, rows, scope)


def _listed(
    pg: psycopg.Connection,
    scope: Scope,
    query: Query,
    limit: int,
    cursor: str | None,
    settings: Settings,
) -> Page:
    """Return the page of `limit` rows after `cursor` (read one more: is there a next page?)."""
    cursors.check_page_size(limit)
    within, rows = _listing(pg, scope, query, settings)
    made_by = _listed_by(rows.kind, scope, query)
    after = _after(cursor, made_by) if cursor else None
    time_key, id_key = repository.KEYS[rows.kind]
    found, next_cursor = cursors.cut(
        repository.page(pg, within, rows, after, limit + 1),
        limit,
        made_by,
        lambda row: [row[time_key].isoformat(), row[id_key]],
    )
    return Page([_shaped(row, scope, rows.kind) for row in found], next_cursor)


def _after(cursor: str, made_by: dict[str, Any]) -> tuple[datetime, str]:
    """Return the (time, id) row key a cursor of this listing continues after; 400 if not."""
    moment, row_id = cursors.decode_moment_key(cursor, made_by)
    return moment, str(row_id)


def _listing(
    pg: psycopg.Connection, scope: Scope, query: Query, settings: Settings
) -> tuple[Within, Filter]:
    if isinstance(query, CallQuery):
        return _call_listing(pg, scope, query, settings)
    if isinstance(query, QaQuery):
        within = _within(pg, scope, query.start, query.end, query.vendor, query.agent, settings)
        return within, QaFilter()
    return _ticket_listing(pg, scope, query, settings)


def _call_listing(
    pg: psycopg.Connection, scope: Scope, query: CallQuery, settings: Settings
) -> tuple[Within, CallFilter]:
    """Check a call query and turn it into the repository's terms (400 naming a parameter)."""
    if query.outcome is not None and query.outcome not in CALL_OUTCOMES:
        raise AppError(
            f"outcome: {query.outcome!r} is not one of {spoken_list(tuple(CALL_OUTCOMES))}"
        )
    _check_verdict("sl", query.sl)
    _check_verdict("callback", query.callback)
    for name in ("min_wait_s", "csat_below"):
        value = getattr(query, name)
        if value is not None and (not math.isfinite(value) or value < 0):
            raise AppError(f"{name}: {value!r} must be a number ≥ 0")
    within = _within(pg, scope, query.start, query.end, query.vendor, query.agent, settings)
    return within, CallFilter(
        settings.waiting_horizon_s,
        query.outcome,
        query.sl,
        query.min_wait_s,
        query.transferred,
        query.resolved,
        query.csat_below,
        query.callback,
    )


def _ticket_listing(
    pg: psycopg.Connection, scope: Scope, query: TicketQuery, settings: Settings
) -> tuple[Within, TicketFilter]:
    """Check a ticket query and turn it into the repository's terms."""
    if query.channel is not None and query.channel not in TICKET_CHANNELS:
        raise AppError(f"channel: {query.channel!r} is not one of {spoken_list(TICKET_CHANNELS)}")
    _check_verdict("frt", query.frt)
    _check_verdict("resolution", query.resolution)
    within = _within(pg, scope, query.start, query.end, query.vendor, query.agent, settings)
    return within, TicketFilter(query.channel, query.frt, query.resolution, query.open)


def _within(
    pg: psycopg.Connection,
    scope: Scope,
    start: datetime,
    end: datetime,
    vendor: str | None,
    agent: str | None,
    settings: Settings,
) -> Within:
    """Return the scope's rows in range, limited to a vendor and an agent when asked."""
    _check_range(start, end, scope, settings)
    vendor_id = scope.vendor_id
    if vendor is not None:
        asked = repository.vendor_id(pg, vendor)
        if asked is None or (vendor_id is not None and asked != vendor_id):
            raise AppError(f"vendor: unknown vendor {vendor!r}")  # never widens a vendor key
        vendor_id = asked
    agents = None
    if agent is not None:
        agents = repository.agent_ids(pg, scope.client_id, agent, vendor_id)
        if not agents:
            raise AppError(f"agent: unknown agent {agent!r} of client {scope.client_code!r}")
    return Within(scope.client_id, [q.id for q in scope.queues], vendor_id, agents, start, end)


def _check_range(start: datetime, end: datetime, scope: Scope, settings: Settings) -> None:
    """Refuse an empty range, or one longer than /v1/metrics answers at interval granularity."""
    if end <= start:
        raise AppError("to: must be after from")
    extent = span(start, end, "interval", scope.timezone, settings.interval_minutes)
    if extent.count > settings.max_metric_rows:
        days = settings.max_metric_rows * settings.interval_minutes // (24 * 60)
        raise AppError(
            f"to: the range from {start.isoformat()} to {end.isoformat()} spans"
            f" {extent.count:,} intervals, above the bound of {settings.max_metric_rows:,}"
            f" (CALLPULSE_MAX_METRIC_ROWS, about {days:,} days); list a shorter range"
            " (from/to) page by page"
        )


def _check_verdict(name: str, value: str | None) -> None:
    if value is not None and value not in VERDICTS:
        raise AppError(f"{name}: {value!r} is not one of met or missed")


def _check_export(rows: int, kind: str, settings: Settings) -> None:
    if rows > settings.max_export_rows:
        raise AppError(
            f"too many rows: {rows:,} {kind} match, above the export bound of"
            f" {settings.max_export_rows:,} (CALLPULSE_MAX_EXPORT_ROWS). Narrow it: a shorter"
            " range (from/to), one queue (queue=CODE), a filter (outcome, agent, vendor…), or"
            " page through the JSON listing with limit and cursor"
        )


def _listed_by(kind: str, scope: Scope, query: Query) -> dict[str, Any]:
    """Return what a listing lists, for its cursors: times as UTC instants, however written."""
    instants = replace(query, start=query.start.astimezone(UTC), end=query.end.astimezone(UTC))
    return {
        "kind": kind,
        "client": scope.client_id,
        "queues": [q.id for q in scope.queues],
        "vendor": scope.vendor_id,
        "query": instants,
    }


def _all(
    pg: psycopg.Connection, within: Within, rows: Filter, scope: Scope
) -> Iterator[dict[str, Any]]:
    """Yield every row of a listing, read `cursors.MAX_PAGE` at a time in key order."""
    time_key, id_key = repository.KEYS[rows.kind]
    after = None
    while True:
        found = repository.page(pg, within, rows, after, cursors.MAX_PAGE)
        if len(found) == cursors.MAX_PAGE:
            after = (found[-1][time_key], found[-1][id_key])
        yield from (_shaped(row, scope, rows.kind) for row in found)
        if len(found) < cursors.MAX_PAGE:
            return


def _shaped(row: dict[str, Any], scope: Scope, kind: str) -> dict[str, Any]:
    """Return a row JSON-ready: its times RFC 3339 in the client's timezone."""
    for name in TIME_FIELDS[kind]:
        if row[name] is not None:
            row[name] = row[name].astimezone(scope.timezone).isoformat()
    return row
