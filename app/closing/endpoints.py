"""`/v1/sla/{client}/close` and `/reopen`: the parties close a contract's period; admins reopen."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from app.access.auth import current_principal
from app.access.keys import Principal
from app.closing import service
from app.contracts.endpoints import ContractQuery, PeriodQuery
from app.contracts.periods import required_period
from app.core.db import get_session

router = APIRouter(prefix="/v1/sla", tags=["sla"])


@router.get("/{client}/close")
def get_close(
    request: Request,
    client: str,
    period: PeriodQuery = None,
    contract: ContractQuery = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Who closed the contract's period when: `sides.client`, `sides.vendor`, `sides.admin`
    (`{at, by, role}` or null), and `closed: {at, by, sha256}` once it is closed (else null).

    Readable by whoever may read the SLA report.
    """
    settings = request.app.state.settings
    return service.read_state(
        session, principal, client, required_period(period), contract, settings
    )


@router.post("/{client}/close")
def close_period(
    request: Request,
    client: str,
    period: PeriodQuery = None,
    contract: ContractQuery = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Close the period for the caller's side; answers the close state.

    A client key or user closes for the client, the contract's vendor key or a supervisor
    of that vendor for the vendor; once both have, the report is frozen (canonical JSON and
    its SHA-256, served by `GET /v1/sla/{client}` with `closed` and `restatement`). An admin
    closes alone. 409: the period has not ended, is already closed, or this side closed it.
    """
    settings = request.app.state.settings
    period = required_period(period)
    return service.close(session, principal, client, period, contract, settings)


@router.post("/{client}/reopen")
def reopen_period(
    request: Request,
    client: str,
    reason: Annotated[str, Query(min_length=1, max_length=1000, description="why it reopens")],
    period: PeriodQuery = None,
    contract: ContractQuery = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Reopen a closed (or half-closed) period: admins only, with a `reason`.

    The frozen report is dropped (the audit log keeps its hash and the reason); the live
    report is served again until both sides close anew. 409: the period is open.
    """
    settings = request.app.state.settings
    args = (session, principal, client, required_period(period), contract, reason, settings)
    return service.reopen(*args)
