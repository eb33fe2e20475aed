"""Record steps in the audit log, and read it back as the reader's role allows.

Who reads what: an admin (or a supervisor of no vendor) every entry; a client key or user
the entries of its client; a vendor key or a vendor's supervisor the entries of its vendor.
A share link (a TV) reads none. Another party's client or contract answers 404.
"""

import getpass
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.access.keys import Principal, principal_label
from app.access.scope import own_vendor
from app.audit import repository
from app.core import cursor as cursors
from app.core.errors import AppError, Forbidden, NotFound
from app.kpi.intervals import parse_bound
from app.models import AuditEntry

ACTIONS = (
    "alert.acknowledged",
    "alert.resolved",
    "contract.created",
    "contract.updated",
    "dispute.opened",
    "dispute.commented",
    "dispute.agreed",
    "dispute.rejected",
    "dispute.withdrawn",
    "period.closed",
    "period.reopened",
    "queue.updated",
    "report.restated",
    "measurement.submitted",
    "measurement.confirmed",
    "measurement.disputed",
)
"""Every action the log records; a family (`alert.`, `dispute.`, `period.`, …) filters all its
actions."""
FAMILIES = tuple(sorted({action.split(".")[0] + "." for action in ACTIONS}))


@dataclass(frozen=True)
class Actor:
    """Who took a step, as the log names them: a user, a key's label, or the CLI's user."""

    name: str
    role: str


def actor_of(session: Session, principal: Principal) -> Actor:
    """Return the actor a principal is: its user or key label, in its role."""
    return Actor(principal_label(session, principal), principal.kind)


def operator() -> Actor:
    """Return the actor of the command line (`callpulse apply`): the machine's user."""
    return Actor(f"{getpass.getuser()} (callpulse CLI)", "operator")


def record(
    session: Session,
    actor: Actor,
    action: str,
    subject: str,
    *,
    client_id: int | None = None,
    vendor_id: int | None = None,
    contract_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add a step to the log in the caller's transaction, so it stands or falls with it."""
    if action not in ACTIONS:
        raise ValueError(f"{action!r} is not an audit action ({', '.join(ACTIONS)})")
    repository.add(
        session,
        AuditEntry(
            actor=actor.name[:200],
            role=actor.role,
            action=action,
            subject=subject[:300],
            client_id=client_id,
            vendor_id=vendor_id,
            contract_id=contract_id,
            before=before,
            after=after,
        ),
    )


@dataclass(frozen=True)
class AuditQuery:
    """Filters of `GET /v1/audit`, as given (codes and bounds as text)."""

    client: str | None = None
    contract: str | None = None
    action: str | None = None
    start: str | None = None
    end: str | None = None
    period: str | None = None


def list_entries(
    session: Session,
    principal: Principal,
    query: AuditQuery,
    limit: int = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Return `{"entries": [...], "next_cursor": …}`: the reader's entries, newest first."""
    if principal.kind == "share":
        raise Forbidden("a wallboard link may not read the audit log; sign in or use a key")
    cursors.check_page_size(limit)
    if query.action and query.action not in ACTIONS and query.action not in FAMILIES:
        known = ", ".join(ACTIONS + FAMILIES)
        raise AppError(f"action: unknown {query.action!r}; use one of {known}")
    client_id, vendor_id, contract_id, zone = _reader_scope(session, principal, query)
    filters = vars(query) | {"limit": limit}
    before_id = int(cursors.decode(cursor, filters)[0]) if cursor else None
    rows = repository.entries(
        session,
        client_id=client_id,
        vendor_id=vendor_id,
        contract_id=contract_id,
        action=query.action,
        period=query.period,
        start=parse_bound(query.start, zone, "from") if query.start else None,
        end=parse_bound(query.end, zone, "to") if query.end else None,
        before_id=before_id,
        limit=limit + 1,
    )
    page, next_cursor = cursors.cut(rows, limit, filters, lambda row: [row[0].id])
    return {"entries": [_answer(*row) for row in page], "next_cursor": next_cursor}


def _reader_scope(
    session: Session, principal: Principal, query: AuditQuery
) -> tuple[int | None, int | None, int | None, ZoneInfo]:
    """Return the client, vendor and contract the reader may read (None: any), and the zone
    its `from`/`to` dates are read in (the client's, else UTC)."""
    own_client = principal.client_id if principal.kind not in ("admin",) else None
    vendor_id = own_vendor(principal)
    client_id, zone = own_client, ZoneInfo("UTC")
    if query.client:
        client = repository.client_by_code(session, query.client)
        if client is None or (own_client is not None and client.id != own_client):
            raise NotFound(f"unknown client {query.client!r}")
        client_id, zone = client.id, ZoneInfo(client.timezone)
    elif own_client is not None:
        client = repository.client_by_id(session, own_client)
        zone = ZoneInfo(client.timezone) if client else zone
    contract_id = None
    if query.contract:
        contract = repository.contract_by_code(session, query.contract)
        if (
            contract is None
            or (client_id is not None and contract.client_id != client_id)
            or (vendor_id is not None and contract.vendor_id != vendor_id)
        ):
            raise NotFound(f"unknown contract {query.contract!r}")
        contract_id = contract.id
    return client_id, vendor_id, contract_id, zone


def _answer(
    entry: AuditEntry,
    client: str | None,
    timezone: str | None,
    vendor: str | None,
    contract: str | None,
) -> dict[str, Any]:
    """Render an entry: its time in its client's timezone (else UTC), parties by code."""
    zone = ZoneInfo(timezone) if timezone else UTC
    return {
        "id": entry.id,
        "at": entry.at.astimezone(zone).isoformat(),
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "subject": entry.subject,
        "client": client,
        "vendor": vendor,
        "contract": contract,
        "before": entry.before,
        "after": entry.after,
    }
