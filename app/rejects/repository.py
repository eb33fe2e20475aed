"""SQL of rejected records: one keyset page, a count, and which vendors a caller may name."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Row, false, func, select, tuple_
from sqlalchemy.orm import Session

from app.models import Client, QueueVendor, RejectedRecord, Vendor


@dataclass(frozen=True)
class Reach:
    """The rejected records a caller may read: everything, one vendor's, or one client's.

    A vendor reads every rejection of its own records, whatever the client (and those with
    no client: an unknown queue, an unreadable line); a client only those attributed to it.
    """

    vendor_id: int | None = None
    client_id: int | None = None
    everything: bool = False


@dataclass(frozen=True)
class Filters:
    """What narrows the list: a vendor, a record kind, `[start, end)` of received_at, and a
    case-insensitive substring of one of the error messages."""

    vendor_id: int | None = None
    kind: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    error: str | None = None


def _where(reach: Reach, filters: Filters) -> list[ColumnElement[bool]]:
    r = RejectedRecord
    where: list[ColumnElement[bool]] = []
    if not reach.everything:
        if reach.vendor_id is None and reach.client_id is None:
            where.append(false())
        if reach.vendor_id is not None:
            where.append(r.vendor_id == reach.vendor_id)
        if reach.client_id is not None:
            where.append(r.client_id == reach.client_id)
    if filters.vendor_id is not None:
        where.append(r.vendor_id == filters.vendor_id)
    if filters.kind is not None:
        where.append(r.kind == filters.kind)
    if filters.start is not None:
        where.append(r.received_at >= filters.start)
    if filters.end is not None:
        where.append(r.received_at < filters.end)
    if filters.error:
        message = func.jsonb_array_elements_text(r.errors).table_valued("value").alias("message")
        where.append(
            select(message.c.value)
            .where(func.strpos(func.lower(message.c.value), filters.error.lower()) > 0)
            .exists()
        )
    return where


def rejected_page(
    session: Session,
    reach: Reach,
    filters: Filters,
    limit: int,
    after: tuple[datetime, int] | None = None,
) -> list[Row]:  # type: ignore[type-arg]
    """Return up to `limit` rejections newest first (received_at, id), after the key `after`,
    each with its vendor's code and its client's code and timezone (None without a client)."""
    r = RejectedRecord
    where = _where(reach, filters)
    if after is not None:
        where.append(tuple_(r.received_at, r.id) < tuple_(*after))
    query = (
        select(
            r.id,
            r.received_at,
            Vendor.code.label("vendor"),
            Client.code.label("client"),
            Client.timezone,
            r.feed,
            r.kind,
            r.record_index,
            r.record_key,
            r.errors,
            r.payload,
        )
        .outerjoin(Vendor, Vendor.id == r.vendor_id)
        .outerjoin(Client, Client.id == r.client_id)
        .where(*where)
        .order_by(r.received_at.desc(), r.id.desc())
        .limit(limit)
    )
    return list(session.execute(query))


def rejected_count(session: Session, reach: Reach, filters: Filters) -> int:
    """Count the rejections a listing with these filters would return."""
    query = select(func.count()).select_from(RejectedRecord).where(*_where(reach, filters))
    return session.scalar(query) or 0


def vendor_id_of(session: Session, code: str) -> int | None:
    """Return the id of the vendor with this code, or None."""
    return session.scalar(select(Vendor.id).where(Vendor.code == code))


def client_timezone(session: Session, client_id: int) -> str:
    """Return a client's timezone name."""
    return session.execute(select(Client.timezone).where(Client.id == client_id)).scalar_one()


def client_serves(session: Session, client_id: int, vendor_id: int) -> bool:
    """Tell whether the vendor serves any queue of the client."""
    query = select(QueueVendor.queue_id).where(
        QueueVendor.client_id == client_id, QueueVendor.vendor_id == vendor_id
    )
    return session.scalar(query.limit(1)) is not None
