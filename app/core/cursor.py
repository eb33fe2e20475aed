"""Opaque cursors for keyset paging: the last row's sort key, bound to the query it pages.

A cursor carries a fingerprint of the query's filters, so one taken from another query (or
edited) is refused naming `cursor`, rather than silently paging the wrong rows.
"""

import base64
import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import orjson

from app.core.errors import AppError

MAX_PAGE = 1000
"""Rows a cursor-paged listing answers at most per page (`limit`)."""
NOT_OURS = "cursor: not a cursor this API gave; start again without it"
Row = TypeVar("Row")


def check_page_size(limit: int) -> None:
    """Refuse a `limit` outside 1 to MAX_PAGE, 400 naming it."""
    if not 1 <= limit <= MAX_PAGE:
        raise AppError(
            f"limit: {limit} is out of range; use 1 to {MAX_PAGE} and page on with `next_cursor`"
        )


def cut(
    rows: Sequence[Row], limit: int, filters: Mapping[str, Any], key: Callable[[Row], list[Any]]
) -> tuple[list[Row], str | None]:
    """Return the page of `rows` (read with `limit + 1`: is there a next page?) and the cursor
    after its last row, whose sort key is `key(row)` (None: this is the last page)."""
    page = list(rows[:limit])
    return page, encode(filters, key(page[-1])) if len(rows) > limit else None


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
        raise AppError(NOT_OURS) from None
    if made_for != fingerprint(filters) or not isinstance(key, list):
        raise AppError(
            "cursor: it belongs to another query; keep the same filters while paging,"
            " or start again without a cursor"
        )
    return key


def decode_moment_key(cursor: str, filters: Mapping[str, Any]) -> tuple[datetime, Any]:
    """Return the (time, id) key of a cursor over rows ordered by a time, then an id.

    The time must be an aware RFC 3339 moment; the id is returned as sent, for the caller
    to read as its own kind of id. Anything else is a 400 naming `cursor`.
    """
    key = decode(cursor, filters)
    try:
        moment, row_id = datetime.fromisoformat(key[0]), key[1]
    except (ValueError, TypeError, IndexError):
        raise AppError(NOT_OURS) from None
    if moment.tzinfo is None:
        raise AppError(NOT_OURS)
    return moment, row_id
