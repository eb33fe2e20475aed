"""`GET /v1/queues`: the queues a key may see, with their settings."""

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.access.auth import current_principal
from app.access.keys import Principal
from app.access.scope import visible_queues
from app.core.db import get_session

router = APIRouter(prefix="/v1", tags=["tenancy"])


@router.get("/queues")
def list_queues(
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """List the queues this key may read or write, with client, timezone and SL settings."""
    return {"queues": visible_queues(session, principal)}
