"""Checks made on a record before it reaches the database, and how a refusal is told.

The merge rules and the checks on merged rows live in SQL (`ingest.facts`).
"""

from datetime import UTC, datetime
from typing import Any


class RecordRejected(Exception):
    """A record that cannot be accepted, with one message per problem."""

    def __init__(self, *errors: str) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


def utc(moment: datetime) -> str:
    """Render a moment in UTC for messages, e.g. 2026-11-20T01:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_not_future(record: dict[str, Any], fields: tuple[str, ...], latest: datetime) -> None:
    """Refuse timestamps later than `latest` (now plus the allowed clock skew)."""
    errors = [
        f"{field}: {utc(record[field])} is in the future (server time allows up to"
        f" {utc(latest)}); check the sender's clock and timezone"
        for field in fields
        if record.get(field) is not None and record[field] > latest
    ]
    if errors:
        raise RecordRejected(*errors)
