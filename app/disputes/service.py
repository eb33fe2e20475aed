"""Open, discuss and settle disputes of a contract's SLA period, each step in the audit log.

The parties are the contract's client (its keys and users) and its vendor (its keys and
supervisors). Either may open a dispute and comment; only the other party agrees or rejects
(an admin may too); only the opener withdraws. States: open → agreed | rejected | withdrawn,
and a settled dispute takes no further step. An agreed dispute's window and calls are then
excluded from the contract's figures (`app.contracts.exclusions`).
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.access.scope import Scope, client_scope, party_side
from app.audit import service as audit
from app.contracts import repository as contracts
from app.contracts.actuals import source_of
from app.contracts.config import target_kpi
from app.contracts.exclusions import ALL
from app.contracts.periods import FORMS, Period, clip, days, parse_period
from app.contracts.repository import ContractRow
from app.contracts.settled import is_closed
from app.contracts.submitted import measure_keys
from app.core.db import driver_connection
from app.core.errors import AppError, Forbidden, NotFound
from app.disputes import repository
from app.disputes.schemas import DisputeRequest
from app.models import Contract, Dispute, DisputeStep
from app.models.disputes import DISPUTE_STATES

UNKNOWN_SHOWN = 20  # unknown call ids named in an error; the rest are counted
VERBS = {"agree": "agreed", "reject": "rejected", "withdraw": "withdrawn"}


def open_dispute(
    session: Session, principal: Principal, client: str, request: DisputeRequest
) -> dict[str, Any]:
    """Open a dispute on a contract's period as the principal's party; return it."""
    scope = _client(session, principal, client)
    period = _period(request.period, scope.timezone)
    row = _contract(session, principal, scope, request.contract, period)
    side = _side(principal, row.contract, row.vendor_code)
    _refuse_closed(session, row.contract, request.period)
    measured = clip(period, row.contract.valid_from, row.contract.valid_to)
    assert measured is not None  # in force on at least one day of the period
    keys = [target["kpi"] for target in row.contract.targets]
    _check_kpi(request, keys, row.contract.code)
    start, end = _window(request, scope.timezone, measured)
    call_ids = sorted(set(request.call_ids))
    if call_ids:
        _check_calls(session, scope, row, measured, call_ids)
    actor = audit.actor_of(session, principal)
    dispute = repository.add(
        session,
        Dispute(
            client_id=scope.client_id,
            vendor_id=row.contract.vendor_id,
            contract_id=row.contract.id,
            period=request.period,
            period_start=measured.start,
            period_end=measured.end,
            kpi=request.kpi,
            window_start=start,
            window_end=end,
            call_ids=call_ids,
            reason=request.reason,
            evidence=request.evidence,
            state="open",
            opened_side=side,
        ),
    )
    _step(session, dispute, "opened", actor, side, request.evidence)
    audit.record(
        session,
        actor,
        "dispute.opened",
        _subject(dispute, row.contract.code),
        client_id=scope.client_id,
        vendor_id=row.contract.vendor_id,
        contract_id=row.contract.id,
        after=_audited(dispute, scope.timezone),
    )
    return _answer(session, principal, scope, dispute)


def comment(
    session: Session, principal: Principal, client: str, dispute_id: int, text: str
) -> dict[str, Any]:
    """Add a comment of either party (or an admin) to an open dispute's thread."""
    scope, dispute, contract, side = _acting(session, principal, client, dispute_id, "comment on")
    actor = audit.actor_of(session, principal)
    _step(session, dispute, "commented", actor, side, text)
    audit.record(
        session,
        actor,
        "dispute.commented",
        _subject(dispute, contract.code),
        client_id=dispute.client_id,
        vendor_id=dispute.vendor_id,
        contract_id=dispute.contract_id,
        before={"state": dispute.state},
        after={"state": dispute.state, "comment": text},
    )
    return _answer(session, principal, scope, dispute)


def decide(
    session: Session, principal: Principal, client: str, dispute_id: int, verb: str, text: str
) -> dict[str, Any]:
    """Agree to, reject or withdraw an open dispute: agree and reject are the other party's
    (or an admin's), withdraw the opener's."""
    scope, dispute, contract, side = _acting(session, principal, client, dispute_id, verb)
    if verb == "withdraw" and side != dispute.opened_side:
        raise Forbidden(
            f"dispute {dispute.id} was opened by the {dispute.opened_side}: only the party that"
            " opened a dispute may withdraw it; reject it instead"
        )
    if verb != "withdraw" and side == dispute.opened_side and side != "admin":
        raise AppError(
            f"dispute {dispute.id} was opened by the {side} (you): the other party"
            f" ({_other(side)}) or an admin {verb}s it; you may comment or withdraw it",
            409,
        )
    before, dispute.state = dispute.state, VERBS[verb]
    actor = audit.actor_of(session, principal)
    _step(session, dispute, VERBS[verb], actor, side, text)
    audit.record(
        session,
        actor,
        f"dispute.{VERBS[verb]}",
        _subject(dispute, contract.code),
        client_id=dispute.client_id,
        vendor_id=dispute.vendor_id,
        contract_id=dispute.contract_id,
        before={"state": before},
        after={"state": dispute.state} | ({"comment": text} if text else {}),
    )
    return _answer(session, principal, scope, dispute)


def list_disputes(
    session: Session,
    principal: Principal,
    client: str,
    period: str | None = None,
    contract: str | None = None,
    state: str | None = None,
) -> list[dict[str, Any]]:
    """Return the client's disputes the principal may read, oldest first, with their threads.

    A vendor (key or supervisor) reads those of its own contracts only; `period` keeps the
    disputes of periods overlapping it, `contract` one contract's, `state` one state's.
    """
    if principal.kind == "share":
        raise Forbidden("a wallboard link may not read disputes; sign in or use a key")
    scope = _client(session, principal, client)
    if state is not None and state not in DISPUTE_STATES:
        raise AppError(f"state: unknown {state!r}; use one of {', '.join(DISPUTE_STATES)}")
    wanted = _period(period, scope.timezone) if period else None
    contract_id = None
    if contract:
        found = repository.contract_by_code(session, contract)
        if (
            found is None
            or found.client_id != scope.client_id
            or (scope.vendor_id is not None and found.vendor_id != scope.vendor_id)
        ):
            raise NotFound(f"contract: no contract {contract!r} of client {client!r}")
        contract_id = found.id
    rows = repository.disputes(
        session,
        scope.client_id,
        vendor_id=scope.vendor_id,
        contract_id=contract_id,
        start=wanted.start if wanted else None,
        end=wanted.end if wanted else None,
        state=state,
    )
    threads = _threads(session, [dispute.id for dispute, _, _ in rows])
    return [
        _shape(dispute, code, vendor, threads.get(dispute.id, []), principal, scope.timezone)
        for dispute, code, vendor in rows
    ]


def may_open(
    session: Session, principal: Principal, client: str, period: str, contract: str | None
) -> bool:
    """Return whether the principal is a party that may open a dispute of this contract and
    period, still open (what a page asks before offering the form)."""
    try:
        scope = _client(session, principal, client)
        row = _contract(session, principal, scope, contract, _period(period, scope.timezone))
        _side(principal, row.contract, row.vendor_code)
        _refuse_closed(session, row.contract, period)
    except AppError:
        return False
    return True


def _client(session: Session, principal: Principal, client: str) -> Scope:
    """Return the client the principal names, or 404 when it may not see it."""
    return client_scope(session, principal, client)


def _period(value: str, zone: ZoneInfo) -> Period:
    try:
        return parse_period(value, zone)
    except ValueError as exc:
        raise AppError(str(exc) if str(exc).startswith("period:") else f"period: {FORMS}") from exc


def _contract(
    session: Session, principal: Principal, scope: Scope, code: str | None, period: Period
) -> ContractRow:
    """Return the contract disputed: the one named, else the only one in force the principal
    reads (as `GET /v1/sla` picks it)."""
    in_force = contracts.contracts_in_force(
        session, scope.client_id, period.start.date(), days(period)[-1], None
    )
    if code is not None:
        for row in in_force:
            if row.contract.code == code:
                return row
        raise NotFound(
            f"contract: no contract {code!r} of client {scope.client_code!r} in {period.label}"
        )
    mine = [r for r in in_force if scope.vendor_id in (None, r.contract.vendor_id)]
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise NotFound(
            f"client {scope.client_code!r} has no contract in force in {period.label}:"
            " pick another period"
        )
    codes = ", ".join(r.contract.code for r in mine)
    raise AppError(f"contract: {len(mine)} contracts in force ({codes}); name one in `contract`")


def _side(principal: Principal, contract: Contract, vendor_code: str) -> str:
    """Return the party the principal acts for on a contract, or 403 saying why it is none."""
    side = party_side(principal, contract.client_id, contract.vendor_id)
    if side is not None:
        return side
    parties = f"the client's keys and users, vendor {vendor_code!r}'s keys and supervisors"
    if principal.kind == "share":
        why = "a wallboard link is not a party to a contract"
    elif principal.kind == "supervisor" and principal.vendor_id is None:
        why = "a supervisor of no vendor is not a party to a contract"
    elif principal.kind in ("vendor", "supervisor"):
        why = f"your vendor is not the vendor of contract {contract.code!r}"
    else:
        why = f"a {principal.kind} key is not a party to a contract"
    raise Forbidden(f"{why}; disputes are taken up by {parties}, or an admin")


def _other(side: str) -> str:
    return "vendor" if side == "client" else "client"


def _check_kpi(request: DisputeRequest, keys: list[str], code: str) -> None:
    """A dispute names a target of the contract (or all); call ids only for call and QA KPIs."""
    if request.kpi != ALL and request.kpi not in keys:
        raise AppError(
            f"kpi: {request.kpi!r} is not a target of contract {code!r};"
            f" use one of {', '.join(keys)} or {ALL}"
        )
    if request.kpi in measure_keys(keys):
        raise AppError(
            f"kpi: {request.kpi} is a measure the vendor submits, not CallPulse's figure;"
            " the client disputes its value with POST /v1/measurements/{id}/dispute"
        )
    if request.start is None and request.end is None and not request.call_ids:
        raise AppError("from/to, call_ids: give a time window (from and to), call ids, or both")
    if request.call_ids and request.kpi != ALL:
        source = source_of(target_kpi(request.kpi)[0])
        if source not in ("calls", "qa"):  # a call's QA evaluations go with it
            raise AppError(
                f"call_ids: {request.kpi} is computed from {source}, not calls;"
                " give a time window (from, to) instead"
            )


def _window(
    request: DisputeRequest, zone: ZoneInfo, period: Period
) -> tuple[datetime | None, datetime | None]:
    """Read the window; both ends or neither, start before end, inside the period."""
    if (request.start is None) != (request.end is None):
        missing = "to" if request.end is None else "from"
        raise AppError(f"{missing}: a window needs both from and to")
    if request.start is None or request.end is None:
        return None, None
    start, end = _moment(request.start, zone, "from"), _moment(request.end, zone, "to")
    if end <= start:
        raise AppError(f"to: {request.end!r} is not after from {request.start!r}")
    if start < period.start or end > period.end:
        raise AppError(
            f"from/to: the window {start.astimezone(zone).isoformat()} –"
            f" {end.astimezone(zone).isoformat()} is not inside {period.label}"
            f" ({period.start.isoformat()} – {period.end.isoformat()}); pick the period"
            " that holds it"
        )
    return start, end


def _moment(value: str, zone: ZoneInfo, name: str) -> datetime:
    """Read an RFC 3339 time, or a local time in the client's timezone."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise AppError(
            f"{name}: {value!r} is not a time; give 2026-11-10T09:00:00+08:00 or a local"
            " 2026-11-10T09:00"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _check_calls(
    session: Session, scope: Scope, row: ContractRow, period: Period, call_ids: list[str]
) -> None:
    """Every call id must be a call of the contract's queues offered in the period."""
    unknown = repository.unknown_call_ids(
        driver_connection(session),
        scope.client_id,
        [q.id for q in row.queues],
        period.start,
        period.end,
        call_ids,
    )
    if unknown:
        shown = ", ".join(unknown[:UNKNOWN_SHOWN])
        more = f" and {len(unknown) - UNKNOWN_SHOWN} more" if len(unknown) > UNKNOWN_SHOWN else ""
        raise AppError(
            f"call_ids: no call {shown}{more} on the queues of contract {row.contract.code!r}"
            f" in {period.label}; check the ids with GET /v1/calls"
        )


def _acting(
    session: Session, principal: Principal, client: str, dispute_id: int, verb: str
) -> tuple[Scope, Dispute, Contract, str]:
    """Return the dispute a party acts on, locked: 404 unseen, 403 not a party, 409 settled."""
    scope = _client(session, principal, client)
    dispute = repository.dispute_for_update(session, scope.client_id, dispute_id)
    if dispute is None or scope.vendor_id not in (None, dispute.vendor_id):
        raise NotFound(f"unknown dispute {dispute_id} of client {client!r}")
    contract, vendor_code = repository.contract(session, dispute.contract_id)
    side = _side(principal, contract, vendor_code)
    _refuse_closed(session, contract, dispute.period)
    if dispute.state != "open":
        raise AppError(
            f"dispute {dispute_id} is {dispute.state}, not open: you cannot {verb} it;"
            " open a new dispute if needed",
            409,
        )
    return scope, dispute, contract, side


def _refuse_closed(session: Session, contract: Contract, period: str) -> None:
    """Refuse to dispute a closed (frozen) period: what both sides signed stays as signed."""
    if is_closed(session, contract.id, period):
        raise AppError(
            f"period: {period} of contract {contract.code} is closed; disputes are settled"
            " before the close (an admin may reopen the period)",
            409,
        )


def _step(
    session: Session, dispute: Dispute, step: str, actor: audit.Actor, side: str, text: str
) -> None:
    repository.add_step(
        session,
        DisputeStep(
            dispute_id=dispute.id,
            step=step,
            actor=actor.name[:200],
            role=actor.role,
            side=side,
            text=text,
        ),
    )


def _subject(dispute: Dispute, contract_code: str) -> str:
    return f"dispute {dispute.id}: {dispute.kpi} of {contract_code} in {dispute.period}"


def _audited(dispute: Dispute, zone: ZoneInfo) -> dict[str, Any]:
    """Return what the log keeps of a new dispute."""
    return {
        "state": dispute.state,
        "period": dispute.period,
        "kpi": dispute.kpi,
        "from": _local(dispute.window_start, zone),
        "to": _local(dispute.window_end, zone),
        "call_ids": list(dispute.call_ids),
        "reason": dispute.reason,
    }


def _local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat() if moment else None


def _threads(session: Session, ids: list[int]) -> dict[int, list[DisputeStep]]:
    threads: dict[int, list[DisputeStep]] = {}
    for step in repository.steps(session, ids):
        threads.setdefault(step.dispute_id, []).append(step)
    return threads


def _answer(
    session: Session, principal: Principal, scope: Scope, dispute: Dispute
) -> dict[str, Any]:
    """Return one dispute as the listing shows it."""
    contract, vendor_code = repository.contract(session, dispute.contract_id)
    thread = _threads(session, [dispute.id]).get(dispute.id, [])
    return _shape(dispute, contract.code, vendor_code, thread, principal, scope.timezone)


def _shape(
    dispute: Dispute,
    contract_code: str,
    vendor_code: str,
    thread: list[DisputeStep],
    principal: Principal,
    zone: ZoneInfo,
) -> dict[str, Any]:
    """Return a dispute with its thread and the steps `principal` may take now (a period
    closes only once its disputes are settled, so a closed period's offer none)."""
    return {
        "id": dispute.id,
        "contract": contract_code,
        "vendor": vendor_code,
        "period": dispute.period,
        "kpi": dispute.kpi,
        "from": _local(dispute.window_start, zone),
        "to": _local(dispute.window_end, zone),
        "call_ids": list(dispute.call_ids),
        "reason": dispute.reason,
        "evidence": dispute.evidence,
        "state": dispute.state,
        "opened_by": dispute.opened_side,
        "opened_at": dispute.opened_at.astimezone(zone).isoformat(timespec="seconds"),
        "thread": [
            {
                "step": step.step,
                "by": step.actor,
                "role": step.role,
                "side": step.side,
                "at": step.at.astimezone(zone).isoformat(timespec="seconds"),
                "text": step.text,
            }
            for step in thread
        ],
        "actions": actions(dispute, principal),
    }


def actions(dispute: Dispute, principal: Principal) -> list[str]:
    """Return the steps `principal` may take on a dispute now (what a page offers it)."""
    side = party_side(principal, dispute.client_id, dispute.vendor_id)
    if dispute.state != "open" or side is None:
        return []
    mine = side == dispute.opened_side
    return [
        "comment",
        *(["agree", "reject"] if side == "admin" or not mine else []),
        *(["withdraw"] if mine else []),
    ]
