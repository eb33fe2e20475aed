"""Bearer-key authentication and the kind checks every route declares."""

import math
from collections.abc import Callable

from fastapi import Depends, Request

from app.access.keys import Principal, principal_for
from app.core.db import get_database
from app.core.errors import Forbidden, NotAuthenticated, RateLimited


def current_principal(request: Request) -> Principal:
    """Return the caller's principal from `Authorization: Bearer <key>`.

    The key is looked up in a short session of its own, released before the route runs,
    so a request never holds two pooled connections (one idle in transaction) at once.
    """
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise NotAuthenticated(
            "missing API key: send `Authorization: Bearer <key>` (create one with"
            " `callpulse keys create`)",
            WWW_Authenticate="Bearer",
        )
    with get_database(request).session_scope() as session:
        principal = principal_for(session, key.strip())
    if principal is None:
        raise NotAuthenticated("unknown or revoked API key", WWW_Authenticate="Bearer")
    wait_s = request.app.state.rate_limiter.take(principal.key_id)
    if wait_s:
        raise RateLimited("rate limit exceeded; slow down", Retry_After=str(math.ceil(wait_s)))
    return principal


def require_kind(*kinds: str) -> Callable[[Principal], Principal]:
    """Return a dependency that admits only keys of the given kinds."""

    def check(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.kind not in kinds:
            raise Forbidden(
                f"a {principal.kind} key may not do this; needs a {' or '.join(kinds)} key"
            )
        return principal

    return check
