"""`/v1/sla/{client}/disputes`: open, list, comment on, agree to, reject and withdraw disputes."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from sqlalchemy.orm import Session

from app.access.auth import current_principal
from app.access.keys import Principal
from app.contracts.periods import FORMS
from app.core.db import get_session
from app.disputes import service
from app.disputes.schemas import (
    DISPUTE_ID_MAX,
    CommentRequest,
    DecisionRequest,
    DisputeRequest,
)

router = APIRouter(prefix="/v1/sla", tags=["disputes"])
DisputeId = Annotated[int, Path(ge=1, le=DISPUTE_ID_MAX, description="the dispute's id")]


@router.get("/{client}/disputes")
def list_disputes(
    client: str,
    period: Annotated[str | None, Query(description=f"{FORMS}; periods overlapping it")] = None,
    contract: Annotated[str | None, Query(description="contract code")] = None,
    state: Annotated[str | None, Query(description="open | agreed | rejected | withdrawn")] = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """A client's disputes, oldest first, each with its thread (who, role, side, when) and the
    steps the caller may take now; a vendor sees those of its own contracts only."""
    return {"disputes": service.list_disputes(session, principal, client, period, contract, state)}


@router.post("/{client}/disputes", status_code=201)
def open_dispute(
    client: str,
    request: DisputeRequest,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Open a dispute (争议) of a contract's period: a KPI or `all`, a window and/or call ids.

    By the contract's client (key or user) or vendor (key or supervisor), or an admin. Once
    the other party agrees, the window and calls are excluded from that KPI's figures.
    """
    return service.open_dispute(session, principal, client, request)


@router.post("/{client}/disputes/{dispute_id}/comments")
def comment(
    client: str,
    dispute_id: DisputeId,
    request: CommentRequest,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Add a comment to an open dispute's thread (either party, or an admin)."""
    return service.comment(session, principal, client, dispute_id, request.text)


def _decision_route(verb: str, doc: str) -> Any:
    def decide(
        client: str,
        dispute_id: DisputeId,
        request: Annotated[DecisionRequest | None, Body()] = None,
        principal: Principal = Depends(current_principal),
        session: Session = Depends(get_session, scope="function"),
    ) -> dict[str, Any]:
        text = request.comment if request else ""
        return service.decide(session, principal, client, dispute_id, verb, text)

    decide.__doc__ = doc
    return decide


for _verb, _doc in {
    "agree": "Agree to an open dispute: its window and calls leave the figures. The other"
    " party than the opener, or an admin.",
    "reject": "Reject an open dispute: the figures stay as measured. The other party than the"
    " opener, or an admin.",
    "withdraw": "Withdraw an open dispute: only the party that opened it.",
}.items():
    router.add_api_route(
        f"/{{client}}/disputes/{{dispute_id}}/{_verb}",
        _decision_route(_verb, _doc),
        methods=["POST"],
        name=f"dispute_{_verb}",
        summary=f"{_verb.capitalize()} a dispute",
    )
