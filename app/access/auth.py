"""Bearer-key authentication and the kind checks every route declares."""

import base64
import binascii
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
    return _principal_of(request, key.strip())


def webhook_principal(request: Request) -> Principal:
    """Return the caller's principal from a bearer key, or from HTTP Basic with the key as
    the password (any user name): webhooks such as Twilio's send credentials that way."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return current_principal(request)
    try:
        _, _, key = base64.b64decode(credentials.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        key = ""
    if not key.strip():
        raise NotAuthenticated(
            "unreadable Basic credentials: send the API key as the password"
            " (`https://user:<key>@host/...`) or `Authorization: Bearer <key>`",
            WWW_Authenticate="Bearer",
        )
    return _principal_of(request, key.strip())


def _principal_of(request: Request, key: str) -> Principal:
    """Look a key up and take one request from its rate budget."""
    with get_database(request).session_scope() as session:
        principal = principal_for(session, key)
    if principal is None:
        raise NotAuthenticated("unknown or revoked API key", WWW_Authenticate="Bearer")
    wait_s = request.app.state.rate_limiter.take(principal.key_id)
    if wait_s:
        raise RateLimited("rate limit exceeded; slow down", Retry_After=str(math.ceil(wait_s)))
    return principal


def require_kind(
    *kinds: str, reads_key: Callable[[Request], Principal] = current_principal
) -> Callable[[Principal], Principal]:
    """Return a dependency that admits only keys of the given kinds (read by `reads_key`)."""

    def check(principal: Principal = Depends(reads_key)) -> Principal:
        if principal.kind not in kinds:
            raise Forbidden(
                f"a {principal.kind} key may not do this; needs a {' or '.join(kinds)} key"
            )
        return principal

    return check
