"""Close and reopen a contract's period, and say who closed it when.

Who may close: a client key or user of the contract's client (the client side), the
contract's vendor key or a supervisor of that vendor (the vendor side); the period is
closed once both sides have, and an admin closes it alone. A supervisor of no vendor and
a share link are no party: 403. Another client's or vendor's contract: 404 (as reading it).
A period that has not ended (its report is `partial`) cannot be closed, by admins either:
its figures would still change, and a frozen month-to-date invoice settles nothing.
Only an admin reopens, with a reason; the frozen report is dropped and the audit log keeps
its hash. Every step is recorded in the audit log (`period.closed`, `period.reopened`).
"""

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.access.scope import party_side
from app.audit import service as audit
from app.contracts import close_repository
from app.contracts import repository as contracts_repository
from app.contracts.service import sla_report
from app.contracts.settled import canonical, closed_stamp, sha256_of
from app.core.config import Settings
from app.core.errors import AppError, Forbidden
from app.models import ClosedReport, Contract, PeriodClose

SIDES = ("client", "vendor", "admin")


def side_in(session: Session, principal: Principal, report: dict[str, Any]) -> str | None:
    """Return the side a principal closes the report's contract for, or None: no party."""
    stored = close_repository.contract_by_code(session, report["contract"])
    assert stored is not None  # the report was just read
    return party_side(principal, stored.client_id, stored.vendor_id)


def close(
    session: Session,
    principal: Principal,
    client: str,
    period: str,
    contract: str | None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Close the period for the principal's side; freeze the report once it is closed."""
    live = sla_report(session, principal, client, period, contract, settings)
    stored, label = _locked(session, live)
    side = party_side(principal, stored.client_id, stored.vendor_id)
    if side is None:
        raise Forbidden(
            f"a {principal.kind} key may not close a period: the client's keys and users,"
            " the contract's vendor key or its supervisors, or an admin may"
        )
    if live["partial"]:
        raise AppError(
            f"period: {label} ends at {live['period']['end']}; close it after it has ended", 409
        )
    frozen = close_repository.closed_report(session, stored.id, label)
    if frozen is not None:
        raise AppError(
            f"period: {label} of contract {stored.code} is already closed"
            f" ({frozen.closed_by}); an admin may reopen it",
            409,
        )
    unsettled = contracts_repository.open_disputes(session, stored.id, label)
    if unsettled:
        raise AppError(
            f"period: {label} of contract {stored.code} has {len(unsettled)} open dispute(s)"
            f" ({', '.join(map(str, unsettled))}): agree, reject or withdraw them before closing",
            409,
        )
    earlier = close_repository.closes(session, stored.id, label)
    mine = next((c for c in earlier if c.side == side), None)
    if mine is not None:
        raise AppError(
            f"period: the {side} side already closed {label} of contract {stored.code}"
            f" ({mine.actor}, {_local(mine, live['timezone'])}); waiting for the other side",
            409,
        )
    actor = audit.actor_of(session, principal)
    now = PeriodClose(
        contract_id=stored.id, period=label, side=side, actor=actor.name[:200], role=actor.role
    )
    close_repository.add_close(session, now)
    sides = [*earlier, now]
    sha256 = None
    if side == "admin" or {"client", "vendor"} <= {c.side for c in sides}:
        sha256 = _freeze(session, stored, label, live, sides)
    audit.record(
        session,
        actor,
        "period.closed",
        f"period {label} of contract {stored.code}: closed by the {side} side",
        client_id=stored.client_id,
        vendor_id=stored.vendor_id,
        contract_id=stored.id,
        before={"period": label, "sides": [c.side for c in earlier]},
        after={"period": label, "sides": [c.side for c in sides], "sha256": sha256},
    )
    return state_of(session, live)


def reopen(
    session: Session,
    principal: Principal,
    client: str,
    period: str,
    contract: str | None,
    reason: str,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Reopen a period (admins only, with a reason): drop its closes and its frozen report."""
    if principal.kind != "admin":
        raise Forbidden(f"a {principal.kind} key may not reopen a period; only an admin may")
    if not reason.strip():
        raise AppError("reason: required; say why the period is reopened (?reason=…)")
    live = sla_report(session, principal, client, period, contract, settings)
    stored, label = _locked(session, live)
    before = state_of(session, live)
    if not any(before["sides"].values()):
        raise AppError(f"period: {label} of contract {stored.code} is open; nothing to reopen", 409)
    close_repository.reopen(session, stored.id, label)
    audit.record(
        session,
        audit.actor_of(session, principal),
        "period.reopened",
        f"period {label} of contract {stored.code}: reopened",
        client_id=stored.client_id,
        vendor_id=stored.vendor_id,
        contract_id=stored.id,
        before={"period": label, "sides": before["sides"], "closed": before["closed"]},
        after={"period": label, "reason": reason.strip()[:1000]},
    )
    return state_of(session, live)


def read_state(
    session: Session,
    principal: Principal,
    client: str,
    period: str,
    contract: str | None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Return the close state of the period of a report the principal may read."""
    return state_of(session, sla_report(session, principal, client, period, contract, settings))


def state_of(session: Session, report: dict[str, Any]) -> dict[str, Any]:
    """Return who closed the report's period when, and the `closed` stamp once it is closed.

    `report` is one the caller was allowed to read (`sla_report` or `settled_report`).
    """
    stored = close_repository.contract_by_code(session, report["contract"])
    assert stored is not None  # the report was just read
    label, zone = report["period"]["label"], report["timezone"]
    sides: dict[str, dict[str, str] | None] = dict.fromkeys(SIDES)
    for done in close_repository.closes(session, stored.id, label):
        sides[done.side] = {"at": _local(done, zone), "by": done.actor, "role": done.role}
    frozen = close_repository.closed_report(session, stored.id, label)
    return {
        "client": report["client"],
        "contract": stored.code,
        "period": label,
        "ends_at": report["period"]["end"],
        "ended": not report["partial"],
        "sides": sides,
        "closed": closed_stamp(frozen, zone) if frozen else None,
    }


def _locked(session: Session, live: dict[str, Any]) -> tuple[Contract, str]:
    """Lock the report's contract (closes of it serialise) and return it and the period label."""
    stored = close_repository.contract_by_code(session, live["contract"], lock=True)
    assert stored is not None  # the report was just read
    return stored, live["period"]["label"]


def _freeze(
    session: Session, stored: Contract, label: str, live: dict[str, Any], sides: list[PeriodClose]
) -> str:
    """Store the live report as the closed one, in canonical form with its SHA-256."""
    text = canonical(live)
    by = ", ".join(
        f"{c.actor} ({c.side})" for c in sorted(sides, key=lambda c: SIDES.index(c.side))
    )
    frozen = ClosedReport(
        contract_id=stored.id, period=label, canonical=text, sha256=sha256_of(text), closed_by=by
    )
    close_repository.add_closed_report(session, frozen)
    return frozen.sha256


def _local(close: PeriodClose, zone: str) -> str:
    return close.at.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")
