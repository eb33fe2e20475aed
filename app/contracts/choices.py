"""What the SLA page offers to pick: the clients a principal may read, the contracts in force."""

from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.access.scope import client_scope, queue_scopes
from app.contracts import repository
from app.contracts.periods import days, parse_period


def readable_clients(session: Session, principal: Principal) -> list[dict[str, str]]:
    """Return the clients whose SLA the principal may read: code, name and timezone."""
    seen: dict[str, dict[str, str]] = {}
    for scope in queue_scopes(session, principal):
        if scope.client_code not in seen:
            seen[scope.client_code] = {
                "code": scope.client_code,
                "name": repository.client_name(session, scope.client_id),
                "timezone": str(scope.timezone),
            }
    return list(seen.values())


def contract_codes_in_force(
    session: Session, principal: Principal, client: str, period: str
) -> list[str] | None:
    """Return the codes of the client's contracts in force in `period` that the principal may
    read, by code; None when `period` cannot be read (the report then says why)."""
    scope = client_scope(session, principal, client)
    try:
        wanted = parse_period(period, scope.timezone)
    except ValueError:
        return None
    return [
        row.contract.code
        for row in repository.contracts_in_force(
            session, scope.client_id, wanted.start.date(), days(wanted)[-1], scope.vendor_id
        )
    ]
