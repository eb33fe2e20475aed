"""Rejected records as the caller may see them: filters read, pages keyed, rows shaped.

Who sees what (`reach_of`): an admin key, or a supervisor key without a vendor, every
rejection; a vendor key (or a supervisor key with a vendor) every rejection of its own
records — including those with no client, refused before a client was known (a queue it
does not serve, an unreadable line), which belong to the vendor alone; a client key only
the rejections attributed to its client, so it never sees a record that may be another
client's. Times are the client's wall time where the row has a client, else UTC, each row
naming its timezone.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row
from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.access.scope import own_vendor
from app.core import cursor as cursors
from app.core.db import Database
from app.core.errors import AppError, NotFound
from app.core.parameters import BIGINT_MAX
from app.kpi.intervals import parse_bound
from app.measures.service import KIND as MEASUREMENTS
from app.rejects import repository
from app.rejects.repository import Filters, Reach
from ingest.forecast_service import FORECASTS_KIND
from ingest.kinds import KINDS
from ingest.qa_service import QA_KIND
from ingest.schedules import KIND as SCHEDULES

DEFAULT_LIMIT = 100
MAX_ERROR_TEXT = 200  # characters of `error=`
EXPORT_CHUNK = 1000  # rows read per statement while streaming an export
EVERYTHING = Reach(everything=True)
# What rejected_records holds: the v1 kinds, QA evaluations, schedules, measurements and
# forecasts.
LISTED_KINDS = (*KINDS, QA_KIND, SCHEDULES, MEASUREMENTS, FORECASTS_KIND)


@dataclass(frozen=True)
class RejectQuery:
    """A listing's filters as sent (the cursor's fingerprint), and as read."""

    sent: dict[str, str | None]
    reach: Reach
    filters: Filters


def reach_of(principal: Principal) -> Reach:
    """Return what rejected records a principal may read (see the module's docstring)."""
    if principal.kind == "client" and principal.client_id is not None:
        return Reach(client_id=principal.client_id)
    vendor_id = own_vendor(principal)
    if vendor_id is not None:
        return Reach(vendor_id=vendor_id)
    if principal.kind in ("admin", "supervisor"):
        return EVERYTHING
    return Reach()


def read_query(
    session: Session,
    principal: Principal,
    *,
    vendor: str | None = None,
    kind: str | None = None,
    start: str | None = None,
    end: str | None = None,
    error: str | None = None,
) -> RejectQuery:
    """Read the filters of a listing, or 400 naming the parameter (404: a vendor not seen).

    Dates are local midnight in the client's timezone for a client key, else in UTC.
    """
    reach = reach_of(principal)
    tz = _timezone(session, reach)
    if kind is not None and kind not in LISTED_KINDS:
        raise AppError(f"kind: {kind!r} is not a record kind; use one of {', '.join(LISTED_KINDS)}")
    if error is not None and len(error) > MAX_ERROR_TEXT:
        raise AppError(f"error: at most {MAX_ERROR_TEXT} characters of an error message")
    lo = parse_bound(start, tz, "from") if start else None
    hi = parse_bound(end, tz, "to") if end else None
    if lo and hi and hi <= lo:
        raise AppError("to: must be after from")
    filters = Filters(_vendor_id(session, reach, vendor), kind, lo, hi, error or None)
    sent = {"vendor": vendor, "kind": kind, "from": start, "to": end, "error": error or None}
    return RejectQuery(sent, reach, filters)


def _timezone(session: Session, reach: Reach) -> ZoneInfo:
    if reach.client_id is None:
        return ZoneInfo("UTC")
    return ZoneInfo(repository.client_timezone(session, reach.client_id))


def _vendor_id(session: Session, reach: Reach, code: str | None) -> int | None:
    """Return the id of the vendor filter: 404 for one the caller may not see, as if unknown."""
    if code is None:
        return None
    vendor_id = repository.vendor_id_of(session, code)
    if reach.everything:
        if vendor_id is None:
            raise AppError(f"vendor: no vendor has the code {code!r}; see `callpulse apply`")
        return vendor_id
    seen = vendor_id is not None and (
        vendor_id == reach.vendor_id
        if reach.vendor_id is not None
        else reach.client_id is not None
        and repository.client_serves(session, reach.client_id, vendor_id)
    )
    if not seen:
        raise NotFound(f"vendor: unknown vendor {code!r}")
    return vendor_id


def rejected_page(
    session: Session, query: RejectQuery, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> dict[str, Any]:
    """Return `{"rejected": [...], "next_cursor": ... | None}`, newest first."""
    cursors.check_page_size(limit)
    after = _after(cursor, query.sent) if cursor else None
    rows, next_cursor = cursors.cut(
        repository.rejected_page(session, query.reach, query.filters, limit + 1, after),
        limit,
        query.sent,
        lambda row: [row.received_at, row.id],
    )
    return {"rejected": [rejected_row(row) for row in rows], "next_cursor": next_cursor}


def _after(cursor: str, sent: dict[str, str | None]) -> tuple[datetime, int]:
    """Return the (received_at, id) a cursor of this query continues after; 400 naming it."""
    moment, sent_id = cursors.decode_moment_key(cursor, sent)
    row_id = sent_id if isinstance(sent_id, int) and not isinstance(sent_id, bool) else 0
    if not 0 < row_id <= BIGINT_MAX:
        raise AppError(cursors.NOT_OURS)
    return moment, row_id


def rejected_rows(database: Database, query: RejectQuery) -> Iterator[dict[str, Any]]:
    """Yield every rejection of the query, newest first, reading `EXPORT_CHUNK` at a time.

    Each chunk is read in a short session of its own, so a long export holds no
    transaction (nor a pooled connection) while its answer is being sent.
    """
    after: tuple[datetime, int] | None = None
    while True:
        with database.session_scope() as session:
            rows = repository.rejected_page(
                session, query.reach, query.filters, EXPORT_CHUNK, after
            )
        yield from (rejected_row(row) for row in rows)
        if len(rows) < EXPORT_CHUNK:
            return
        after = (rows[-1].received_at, rows[-1].id)


def rejected_count(session: Session, query: RejectQuery) -> int:
    """Count the rejections of a query (for a progress bar)."""
    return repository.rejected_count(session, query.reach, query.filters)


def rejected_row(row: Row) -> dict[str, Any]:  # type: ignore[type-arg]
    """Return one rejection as answered: its time in its client's timezone, else UTC."""
    zone = row.timezone or "UTC"
    return {
        "id": row.id,
        "received_at": row.received_at.astimezone(
            ZoneInfo(zone) if row.timezone else UTC
        ).isoformat(),
        "timezone": zone,
        "vendor": row.vendor,
        "client": row.client,
        "feed": row.feed,
        "kind": row.kind,
        "record_index": row.record_index,
        "record_key": row.record_key,
        "errors": list(row.errors),
        "payload": row.payload,
    }
