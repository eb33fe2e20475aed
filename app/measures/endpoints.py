"""`/v1/measurements`: vendors submit KPIs measured outside the ACD; clients confirm or dispute."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from sqlalchemy.orm import Session

from app.access.auth import current_principal
from app.access.keys import Principal
from app.contracts.periods import FORMS
from app.core.db import get_session
from app.measures import service
from app.measures.schemas import MEASUREMENT_ID_MAX, DisputeRequest

router = APIRouter(prefix="/v1", tags=["measures"])
BODY = (
    "one measurement, or a list of them: measure (a code declared under `measures:`), client,"
    " vendor (a vendor's key: its own; an admin names it), period (" + FORMS + "), value or"
    " numerator and denominator, evidence (text or a URL)"
)
MeasurementId = Annotated[int, Path(ge=1, le=MEASUREMENT_ID_MAX, description="its id")]


@router.post("/measurements")
def submit_measurements(
    body: Annotated[
        dict[str, Any] | list[Any],
        Body(description=BODY),
    ],
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Submit values of declared measures (by the vendor's key or supervisor, or an admin).

    Resubmitting the same measure, client, vendor and period replaces the value and returns it
    to `submitted`. Refused records are answered by index and kept in `rejected_records`,
    like the ingest routes' (200 even when every record was refused).
    """
    return service.submit(session, principal, body)


@router.get("/measurements")
def list_measurements(
    client: Annotated[str | None, Query(max_length=64, description="client code")] = None,
    vendor: Annotated[str | None, Query(max_length=64, description="vendor code")] = None,
    period: Annotated[
        str | None, Query(max_length=10, description=f"the period submitted: {FORMS}")
    ] = None,
    state: Annotated[
        str | None, Query(max_length=16, description="submitted | confirmed | disputed")
    ] = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """List measurements: a client's own, a vendor's own, or every one for an admin."""
    return {
        "measurements": service.list_measurements(
            session, principal, client=client, vendor=vendor, period=period, state=state
        )
    }


@router.post("/measurements/{measurement_id}/confirm")
def confirm_measurement(
    measurement_id: MeasurementId,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Confirm a submitted value: from now on it scores. The client (key or user) or an admin."""
    return service.decide(session, principal, measurement_id, "confirmed")


@router.post("/measurements/{measurement_id}/dispute")
def dispute_measurement(
    measurement_id: MeasurementId,
    request: DisputeRequest,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Dispute a submitted value, saying why: it does not score until resubmitted and confirmed."""
    return service.decide(session, principal, measurement_id, "disputed", request.reason)
