"""Opaque cursors for keyset paging: the last row's sort key, bound to the query it pages.

A cursor carries a fingerprint of the query's filters, so one taken from another query (or
edited) is refused naming `cursor`, rather than silently paging the wrong rows.
"""

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from app.core.errors import AppError


def fingerprint(filters: Mapping[str, Any]) -> str:
    """Return a short digest of a query's filters (order of keys does not matter)."""
    canonical = orjson.dumps(dict(filters), option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()[:16]


def encode(filters: Mapping[str, Any], key: list[Any]) -> str:
    """Return the cursor after the row whose sort key is `key`, for the query `filters`."""
    payload = orjson.dumps([fingerprint(filters), key], default=str)
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode(cursor: str, filters: Mapping[str, Any]) -> list[Any]:
    """Return the sort key a cursor carries; 400 naming `cursor` if it is not this query's."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        made_for, key = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise AppError("cursor: not a cursor this API gave; start again without it") from None
    if made_for != fingerprint(filters) or not isinstance(key, list):
        raise AppError(
            "cursor: it belongs to another query; keep the same filters while paging,"
            " or start again without a cursor"
        )
    return key
