"""What a key may read: every read path goes through here, so every query is tenant-scoped.

A client key sees its own client's queues; a vendor key, or a supervisor key with a
vendor, the queues that vendor serves (and only its own agents); an admin key, or a
supervisor key without a vendor, everything. Anything else answers 404, as if it did not
exist, so keys cannot probe for other tenants' codes.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, false, select
from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.core.errors import AppError, NotFound
from app.core.vocabulary import DEFAULT_SL_FORMULA
from app.models import Client, Queue, QueueVendor, Vendor


@dataclass(frozen=True)
class QueueInfo:
    """A queue's id, code, service-level settings and its own targets (as stored)."""

    id: int
    code: str
    sl_threshold_s: int
    sl_formula: str
    short_abandon_s: int
    targets: dict[str, dict[str, float]]
    hours: dict[str, list[str]] | None = None  # service hours (app.quality.hours); None: always


@dataclass(frozen=True)
class Scope:
    """The client and queues a request reads, and the vendor its agents are limited to."""

    client_id: int
    client_code: str
    timezone: ZoneInfo
    queues: tuple[QueueInfo, ...]
    vendor_id: int | None

    @property
    def sl_formula(self) -> str:
        """The queues' common SL formula; the default one when they differ."""
        formulas = {q.sl_formula for q in self.queues}
        return formulas.pop() if len(formulas) == 1 else DEFAULT_SL_FORMULA


def own_vendor(principal: Principal) -> int | None:
    """Return the vendor a vendor key or a vendor's supervisor is bound to (None: no vendor)."""
    return principal.vendor_id if principal.kind in ("vendor", "supervisor") else None


def party_side(principal: Principal, client_id: int, vendor_id: int) -> str | None:
    """Return the side a principal takes in a contract between a client and a vendor: the
    client (its keys and users), the vendor (its keys and supervisors), an admin, or None."""
    if principal.kind == "admin":
        return "admin"
    if principal.kind == "client" and principal.client_id == client_id:
        return "client"
    if own_vendor(principal) == vendor_id:
        return "vendor"
    return None


def _visible(principal: Principal, query: Select) -> Select:  # type: ignore[type-arg]
    vendor_id = own_vendor(principal)
    if principal.kind == "client" or (principal.kind == "share" and principal.client_id):
        return query.where(Queue.client_id == principal.client_id)
    if vendor_id is not None:
        served = select(QueueVendor.queue_id).where(QueueVendor.vendor_id == vendor_id)
        return query.where(Queue.id.in_(served))
    if principal.kind in ("admin", "supervisor", "share"):
        return query
    return query.where(false())


def _queue_info(queue: Queue) -> QueueInfo:
    return QueueInfo(
        queue.id,
        queue.code,
        queue.sl_threshold_s,
        queue.sl_formula,
        queue.short_abandon_s,
        queue.targets,
        queue.hours,
    )


def _scope(session: Session, principal: Principal, query: Select, missing: str) -> Scope:  # type: ignore[type-arg]
    rows = session.execute(
        _visible(principal, query.join(Client, Client.id == Queue.client_id)).order_by(Queue.code)
    ).all()
    if not rows:
        raise NotFound(missing)
    client = rows[0].Client
    queues = tuple(_queue_info(r.Queue) for r in rows)
    return Scope(client.id, client.code, ZoneInfo(client.timezone), queues, own_vendor(principal))


def _visible_rows(session: Session, principal: Principal) -> list[Row[tuple[Queue, Client]]]:
    """Return (queue, client) rows the key may see, by client and queue code."""
    query = select(Queue, Client).join(Client, Client.id == Queue.client_id)
    return list(session.execute(_visible(principal, query).order_by(Client.code, Queue.code)))


def queue_scopes(session: Session, principal: Principal) -> list[Scope]:
    """Return a one-queue scope for every queue the key may see (one query, for wallboards).

    Reads the columns, not the ORM objects: a wallboard reads this at every change."""
    query = select(
        Client.id,
        Client.code,
        Client.timezone,
        *(Queue.id, Queue.code, Queue.sl_threshold_s, Queue.sl_formula),
        *(Queue.short_abandon_s, Queue.targets, Queue.hours),
    ).join(Client, Client.id == Queue.client_id)
    rows = session.execute(_visible(principal, query).order_by(Client.code, Queue.code))
    vendor_id = own_vendor(principal)
    return [
        Scope(client_id, client_code, ZoneInfo(timezone), (QueueInfo(*queue),), vendor_id)
        for client_id, client_code, timezone, *queue in rows
    ]


def queue_scope(session: Session, principal: Principal, code: str) -> Scope:
    """Return the scope of one queue the key may read, or 404."""
    query = select(Queue, Client).where(Queue.code == code)
    return _scope(session, principal, query, f"unknown queue {code!r}")


def client_scope(session: Session, principal: Principal, code: str) -> Scope:
    """Return a client with the queues of it the key may read, or 404."""
    query = select(Queue, Client).where(Client.code == code)
    return _scope(session, principal, query, f"unknown client {code!r}")


def requested_scope(
    session: Session, principal: Principal, queue: str | None, client: str | None
) -> Scope:
    """Return the scope a read route's `queue=` or `client=` asks for (queue wins), or 404."""
    if queue:
        scope = queue_scope(session, principal, queue)
        if client and client != scope.client_code:
            raise NotFound(f"unknown queue {queue!r} for client {client!r}")
        return scope
    if client:
        return client_scope(session, principal, client)
    raise AppError("give queue=CODE or client=CODE", 422)


def visible_queues(session: Session, principal: Principal) -> list[dict[str, object]]:
    """Return every queue the key may see, with its client's code and timezone."""
    rows = _visible_rows(session, principal)
    return [
        {
            "code": r.Queue.code,
            "name": r.Queue.name,
            "client": r.Client.code,
            "timezone": r.Client.timezone,
            "sl_threshold_s": r.Queue.sl_threshold_s,
            "sl_formula": r.Queue.sl_formula,
            "short_abandon_s": r.Queue.short_abandon_s,
            "targets": r.Queue.targets,
            "hours": r.Queue.hours,
        }
        for r in rows
    ]


def visible_queue_ids(session: Session, principal: Principal) -> set[int]:
    """Return the ids of every queue the key may see."""
    return set(session.scalars(_visible(principal, select(Queue.id))))


@dataclass(frozen=True)
class FeedQueue:
    """A queue a vendor's feed serves, with its service hours (None: always open)."""

    id: int
    code: str
    hours: dict[str, list[str]] | None


@dataclass(frozen=True)
class FeedScope:
    """One vendor's feed for one client: what `GET /v1/feeds/quality` reports per day."""

    client_id: int
    client_code: str
    timezone: ZoneInfo
    vendor_id: int
    vendor_code: str
    queues: tuple[FeedQueue, ...]


def feed_scopes(session: Session, principal: Principal) -> list[FeedScope]:
    """Return every (client, vendor) feed the key may see: the vendors serving its queues.

    A vendor key (or a supervisor's with a vendor) sees its own vendor's feeds only. Reads
    the columns, not the ORM objects: a wallboard reads this at every change.
    """
    query = (
        select(Client.id, Client.code, Client.timezone, Vendor.id, Vendor.code)
        .add_columns(Queue.id, Queue.code, Queue.hours)
        .join(Client, Client.id == Queue.client_id)
        .join(QueueVendor, QueueVendor.queue_id == Queue.id)
        .join(Vendor, Vendor.id == QueueVendor.vendor_id)
    )
    vendor_id = own_vendor(principal)
    if vendor_id is not None:
        query = query.where(Vendor.id == vendor_id)
    rows = session.execute(
        _visible(principal, query).order_by(Client.code, Vendor.code, Queue.code)
    )
    feeds: dict[tuple[int, str, str, int, str], list[FeedQueue]] = {}
    for *feed, queue_id, queue_code, hours in rows:
        feeds.setdefault(tuple(feed), []).append(FeedQueue(queue_id, queue_code, hours))  # type: ignore[arg-type]
    return [
        FeedScope(client_id, client_code, ZoneInfo(timezone), vendor, vendor_code, tuple(queues))
        for (client_id, client_code, timezone, vendor, vendor_code), queues in feeds.items()
    ]


def sees_unattributed(principal: Principal, vendor_id: int) -> bool:
    """Say whether the key may see a vendor's records counted under no client: its own
    vendor's key, or a key that sees every tenant."""
    limit = own_vendor(principal)
    if limit is not None:
        return limit == vendor_id
    return principal.kind in ("admin", "supervisor")
