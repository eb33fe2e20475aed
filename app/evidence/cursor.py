"""Opaque page cursors: the last row's key and a fingerprint of the query it belongs to.

A cursor is only good for the query that made it: the same scope, range and filters (the
page size may change). Given to another query it would silently skip or repeat rows, so it
is refused, 400 naming `cursor`. It is not a secret: the scope is applied again on every
page, so an edited cursor can only move within rows its key may read.
"""

import base64
import hashlib
import json
from datetime import datetime

from app.core.errors import AppError

Key = tuple[datetime, str]


def fingerprint(*parts: object) -> str:
    """Return a short digest of what makes a query: scope, range, filters."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def encode(key: Key, query: str) -> str:
    """Return the cursor after row `key` of the query with fingerprint `query`."""
    body = json.dumps([key[0].isoformat(), key[1], query], separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode(cursor: str, query: str) -> Key:
    """Return the row key a cursor continues after, or 400 if it is not this query's."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, row_id, made_by = json.loads(text)
        key = (datetime.fromisoformat(at), str(row_id))
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise AppError("cursor: not a cursor of this listing; use next_cursor as given") from exc
    if key[0].tzinfo is None:
        raise AppError("cursor: not a cursor of this listing; use next_cursor as given")
    if made_by != query:
        raise AppError(
            "cursor: it belongs to another query (other filters, range or scope); page with"
            " the same parameters that gave it, or start again without cursor"
        )
    return key
