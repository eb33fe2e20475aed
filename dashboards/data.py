"""The only module of the pages that reads data, always through the app's own services."""

from dataclasses import dataclass, replace
from datetime import date, datetime
from itertools import chain
from typing import Any

from psycopg import Connection
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.access.scope import (
    FeedScope,
    Scope,
    client_scope,
    feed_scopes,
    queue_scope,
    queue_scopes,
    visible_queues,
)
from app.alerts import service as alerts
from app.contracts.choices import contract_codes_in_force, readable_clients
from app.contracts.downloads import render_export
from app.contracts.service import sla_report
from app.contracts.settled import settled_report
from app.core.config import Settings
from app.core.db import Database, driver_connection
from app.core.errors import AppError, NotFound
from app.disputes import service as disputes
from app.disputes.schemas import DisputeRequest
from app.evidence import exports
from app.evidence.service import (
    CallQuery,
    Page,
    count_rows,
    export_rows,
    list_calls,
    list_tickets,
)
from app.forecasting.plan import readable_plan
from app.kpi.intervals import local_midnight
from app.kpi.live import queues_live
from app.kpi.live_cache import SharedStates
from app.kpi.service import metrics_series
from app.kpi.targets import queue_targets
from dashboards.call_lists import Listing, missed_listing, today_calls


@dataclass(frozen=True)
class Chosen:
    """The codes a board's filters chose (empty: every one), sorted: equal choices are equal."""

    clients: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()

    @classmethod
    def of(cls, clients: list[str], vendors: list[str], queues: list[str]) -> "Chosen":
        """Return the choice of these codes, in any order."""
        return cls(*(tuple(sorted(set(codes))) for codes in (clients, vendors, queues)))


def snapshot(
    database: Database, settings: Settings, principal: Principal, chosen: Chosen = Chosen()
) -> dict[str, Any]:
    """Return the live state of the queues the principal may see that pass the board's
    filters, its active alerts, and the codes each filter may choose from.

    The filters narrow the read itself: a board of one client costs that client's queues,
    not every queue the link may see.
    """
    with database.session_scope() as session:
        scopes = queue_scopes(session, principal)
        served = _served(feed_scopes(session, principal))
        read = [scope for scope in scopes if _passes(scope, chosen, served)]
        no_client = principal.client_id is None  # may see a vendor's rejections of no client
        lives = queues_live(driver_connection(session), read, settings, no_client)
        active = alerts.active_alerts(session, principal)
    options = {
        "client": sorted({scope.client_code for scope in scopes}),
        "vendor": sorted(served),
        "queue": [scope.queues[0].code for scope in scopes],
    }
    return {"queues": lives, "alerts": active, "options": options}


def shared_snapshot(
    states: SharedStates[dict[str, Any]],
    database: Database,
    settings: Settings,
    principal: Principal,
    chosen: Chosen,
    version: int = 0,
) -> dict[str, Any]:
    """Return `snapshot`, computed once per period for every viewer with the same rights
    (`rights`) and filters, and again once their data's `version` moved on."""
    return states.get(
        (*rights(principal), chosen),
        lambda: snapshot(database, settings, principal, chosen),
        version,
    )


def rights(principal: Principal) -> tuple[str, int | None, int | None]:
    """Return what every read of a principal depends on: its kind, client and vendor.

    Principals equal in these read the same (a key's or user's id and name are never part
    of a scope), so they may share an answer; any other principal has other rights.
    """
    return principal.kind, principal.client_id, principal.vendor_id


def _served(feeds: list[FeedScope]) -> dict[str, set[int]]:
    """Return the ids of the queues each vendor serves, by vendor code."""
    served: dict[str, set[int]] = {}
    for feed in feeds:
        served.setdefault(feed.vendor_code, set()).update(q.id for q in feed.queues)
    return served


def _passes(scope: Scope, chosen: Chosen, served: dict[str, set[int]]) -> bool:
    """Say whether a one-queue scope passes every filter (an empty filter passes everything)."""
    queue = scope.queues[0]
    return (
        (not chosen.clients or scope.client_code in chosen.clients)
        and (not chosen.vendors or any(queue.id in served.get(v, ()) for v in chosen.vendors))
        and (not chosen.queues or queue.code in chosen.queues)
    )


def acknowledge(database: Database, principal: Principal, alert_id: int) -> None:
    """Acknowledge an alert as this principal (the same rules as the API)."""
    with database.session_scope() as session:
        alerts.acknowledge_if_open(session, principal, alert_id)


def today_by_interval(
    database: Database, settings: Settings, principal: Principal, queue_code: str
) -> tuple[list[dict[str, Any]], float | None, str]:
    """Return today's KPI rows per interval for one queue, in its client's timezone, the
    queue's service-level target, and that timezone."""
    with database.session_scope() as session:
        scope = queue_scope(session, principal, queue_code)
        now = datetime.now(scope.timezone)
        target = queue_targets(scope.queues[0].targets, settings)["service_level"].min
        rows = metrics_series(
            driver_connection(session),
            scope,
            start=local_midnight(now.date(), scope.timezone),
            end=now,
            granularity="interval",
            by=None,
            interval_minutes=settings.interval_minutes,
            queue_level=True,
            agent_codes={},
            max_rows=settings.max_metric_rows,
        )
    return list(rows), target, str(scope.timezone)


def plan_queues(database: Database, principal: Principal) -> list[dict[str, Any]]:
    """Return the queues whose plan the principal may read: code, name, client, timezone."""
    with database.session_scope() as session:
        return [
            {key: queue[key] for key in ("code", "name", "client", "timezone")}
            for queue in visible_queues(session, principal)
        ]


def queue_plan(
    database: Database, settings: Settings, principal: Principal, queue: str, day: date | None
) -> dict[str, Any]:
    """Return a queue's interval plan as `GET /v1/queues/{code}/plan` answers it (404 for a
    queue the principal may not read; `day` None: tomorrow in the client's timezone)."""
    with database.session_scope() as session:
        return readable_plan(session, principal, queue, day, settings)


def sla_clients(database: Database, principal: Principal) -> list[dict[str, str]]:
    """Return the clients whose SLA the principal may read: code, name and timezone."""
    with database.session_scope() as session:
        return readable_clients(session, principal)


def sla_view(
    database: Database, principal: Principal, client: str, period: str, contract: str | None
) -> dict[str, Any]:
    """Return the SLA report as `/v1/sla` answers it, the period's alerts, the time now, and
    the contract's disputes of the period (with whether the principal may open one).

    A contract that is not in force for this client and period is dropped, and with several
    in force and none named the first is shown: a page always has something to show.
    """
    with database.session_scope() as session:
        contract = _contract_to_show(session, principal, client, period, contract)
        report = settled_report(session, principal, client, period, contract)
        scope = client_scope(session, principal, client)
        queue_ids = [q.id for q in scope.queues if q.code in report["queues"]]
        opened = alerts.alerts_opened(
            session,
            principal,
            queue_ids,
            datetime.fromisoformat(report["period"]["start"]),
            datetime.fromisoformat(report["period"]["end"]),
        )
        listed = {
            "disputes": disputes.list_disputes(
                session, principal, client, period, report["contract"]
            ),
            "may_open": disputes.may_open(session, principal, client, period, report["contract"]),
        }
    return {"report": report, "alerts": opened, "as_of": report["as_of"], "disputes": listed}


def sla_export(
    database: Database,
    principal: Principal,
    client: str,
    period: str,
    contract: str | None,
    fmt: str,
    lang: str,
) -> tuple[bytes, str, str]:
    """Return an SLA export as `/v1/sla/{client}.{fmt}` does: its bytes, type and file name."""
    with database.session_scope() as session:
        report = settled_report(session, principal, client, period, contract)
    return render_export(report, fmt, lang)


def _contract_to_show(
    session: Session, principal: Principal, client: str, period: str, contract: str | None
) -> str | None:
    codes = contract_codes_in_force(session, principal, client, period)
    if codes is None:
        return contract  # the report says what is wrong with the period
    if contract in codes:
        return contract
    return codes[0] if codes else None


def calls_behind(
    database: Database,
    settings: Settings,
    principal: Principal,
    queue_code: str,
    kind: str,
    limit: int,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Return a page of the calls behind a tile's figure (`waiting`, today's `abandoned`,
    today's `sl_missed`), scoped like the figure; their count with the first page."""
    with database.session_scope() as session:
        scope = queue_scope(session, principal, queue_code)
        now = datetime.now(scope.timezone)
        listing = today_calls(kind, now, scope.timezone, settings.waiting_horizon_s)
        listed = _listed(driver_connection(session), scope, listing, settings, limit, cursor)
    return listed | {"timezone": str(scope.timezone), "as_of": now.isoformat(timespec="seconds")}


def calls_behind_download(
    database: Database,
    settings: Settings,
    principal: Principal,
    queue_code: str,
    kind: str,
    fmt: str,
    lang: str,
) -> tuple[bytes, str]:
    """Return every call behind a tile's figure as CSV or Excel bytes, and a file name."""
    with database.session_scope() as session:
        scope = queue_scope(session, principal, queue_code)
        now = datetime.now(scope.timezone)
        listing = today_calls(kind, now, scope.timezone, settings.waiting_horizon_s)
        body = _export(driver_connection(session), scope, listing, settings, fmt, lang)
    return body, f"{queue_code}-{kind}-{now:%Y-%m-%dT%H%M}.{fmt}"


def missed(
    database: Database,
    settings: Settings,
    principal: Principal,
    target: dict[str, Any],
    limit: int,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Return a page of what missed one SLA target (`target`: client, period, contract,
    kpi) in the report's period, on the contract's queues the principal may read."""
    with database.session_scope() as session:
        report, scope, listing = _missed_listing(session, principal, target)
        listed = _listed(driver_connection(session), scope, listing, settings, limit, cursor)
    row = next(t for t in report["targets"] if t["kpi"] == target["kpi"])
    return listed | {
        "timezone": report["timezone"],
        "period": report["period"],
        "target": row["target"],
        "unit": row["unit"],
        "exact": listing.exact,
    }


def missed_download(
    database: Database,
    settings: Settings,
    principal: Principal,
    target: dict[str, Any],
    fmt: str,
    lang: str,
) -> tuple[bytes, str]:
    """Return everything that missed one SLA target as CSV or Excel bytes, and a file name."""
    with database.session_scope() as session:
        report, scope, listing = _missed_listing(session, principal, target)
        body = _export(driver_connection(session), scope, listing, settings, fmt, lang)
    return body, f"missed-{report['client']}-{report['period']['label']}-{target['kpi']}.{fmt}"


def _missed_listing(
    session: Session, principal: Principal, target: dict[str, Any]
) -> tuple[dict[str, Any], Scope, Listing]:
    """Read the target's report; return it, the scope of its contract's queues the principal
    may read (never more than `client_scope` gives), and what to list."""
    client, kpi = target.get("client") or "", target.get("kpi") or ""
    report = sla_report(
        session, principal, client, target.get("period") or "", target.get("contract")
    )
    row = next((t for t in report["targets"] if t["kpi"] == kpi), None)
    if row is None:
        raise NotFound(f"kpi: no target {kpi!r} in contract {report['contract']!r}")
    period = report["period"]
    start, end = (datetime.fromisoformat(period[edge]) for edge in ("start", "end"))
    listing = missed_listing(kpi, row["target"], start, end)
    if listing is None:
        raise AppError(f"kpi: no single call or ticket misses {kpi!r}")
    scope = client_scope(session, principal, client)
    queues = tuple(q for q in scope.queues if q.code in report["queues"])
    if not queues:
        raise NotFound(f"unknown client {client!r}")
    return report, replace(scope, queues=queues), listing


def _listed(
    pg: Connection,
    scope: Scope,
    listing: Listing,
    settings: Settings,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """Return a page of the listing; on the first page (no cursor) also how many rows in all."""
    page = _page(pg, scope, listing, settings, limit, cursor)
    count = None if cursor else sum(count_rows(pg, scope, q, settings) for q in listing.queries)
    return {
        "source": listing.source,
        "rows": page.rows,
        "next_cursor": page.next_cursor,
        "count": count,
    }


def _page(
    pg: Connection,
    scope: Scope,
    listing: Listing,
    settings: Settings,
    limit: int,
    cursor: str | None,
) -> Page:
    """Return up to `limit` rows of the listing's queries in turn, from `cursor`.

    Our cursor is `<query index>:<the service's cursor>`, so a listing of two queries
    (answer rate: abandoned, then overflowed) pages through both.
    """
    index, _, inner = (cursor or "0:").partition(":")
    at = int(index) if index.isdigit() else len(listing.queries)
    rows: list[dict[str, Any]] = []
    inner_cursor = inner or None
    while at < len(listing.queries) and len(rows) < limit:
        query, left = listing.queries[at], limit - len(rows)
        page = (
            list_calls(pg, scope, query, left, inner_cursor, settings=settings)
            if isinstance(query, CallQuery)
            else list_tickets(pg, scope, query, left, inner_cursor, settings=settings)
        )
        rows += page.rows
        if page.next_cursor:
            return Page(rows, f"{at}:{page.next_cursor}")
        at, inner_cursor = at + 1, None
    return Page(rows, f"{at}:" if at < len(listing.queries) else None)


def _export(
    pg: Connection, scope: Scope, listing: Listing, settings: Settings, fmt: str, lang: str
) -> bytes:
    """Render every row of the listing as the evidence exports do (a 4xx past their bound)."""
    zone = str(scope.timezone)
    if listing.source == "calls":
        calls = chain.from_iterable(
            export_rows(pg, scope, q, settings) for q in listing.queries if isinstance(q, CallQuery)
        )
        render = exports.calls_csv if fmt == "csv" else exports.calls_xlsx
        return render(calls, lang, timezone=zone)
    tickets = chain.from_iterable(
        export_rows(pg, scope, q, settings) for q in listing.queries if not isinstance(q, CallQuery)
    )
    render = exports.tickets_csv if fmt == "csv" else exports.tickets_xlsx
    return render(tickets, lang, timezone=zone)


def open_dispute(
    database: Database, principal: Principal, client: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Open a dispute as `POST /v1/sla/{client}/disputes` does (the body's fields alike)."""
    try:
        request = DisputeRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise AppError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    with database.session_scope() as session:
        return disputes.open_dispute(session, principal, client, request)


def dispute_step(
    database: Database, principal: Principal, client: str, dispute: int, verb: str, text: str
) -> dict[str, Any]:
    """Comment on, agree to, reject or withdraw a dispute as the principal."""
    if verb == "comment" and not text.strip():
        raise AppError("text: write the comment first")
    with database.session_scope() as session:
        if verb == "comment":
            return disputes.comment(session, principal, client, dispute, text)
        return disputes.decide(session, principal, client, dispute, verb, text)
