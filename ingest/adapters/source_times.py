"""Moments as sources write them: epoch numbers in seconds, milliseconds or microseconds.

Shared by the adapters whose sources count time from 1970-01-01 UTC (FreeSWITCH, Twilio,
vendors' CSV exports), so each reads such a number one way and names the field it came from.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from ingest.adapters.base import SourceRejected
from ingest.checks import excerpt

PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_epoch(value: object, field_name: str, unit: str = "s") -> datetime:
    """Return the UTC moment of an epoch number in `unit` (s, ms or us), or a named rejection."""
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite() or number <= 0:
            raise InvalidOperation
        return _EPOCH + timedelta(microseconds=int(number * 1_000_000 / PER_SECOND[unit]))
    except (InvalidOperation, ValueError):
        raise SourceRejected(
            f"{field_name}: {excerpt(repr(value))} is not a positive epoch time"
            f" in {_UNIT_NAMES[unit]}"
        ) from None
    except OverflowError:
        raise SourceRejected(f"{field_name}: {excerpt(repr(value))} is out of range") from None


def optional_epoch(value: object, field_name: str, unit: str = "s") -> datetime | None:
    """Return the moment of an epoch number, or None where the source writes nothing or 0."""
    if value is None or str(value).strip() in ("", "0"):
        return None
    return from_epoch(value, field_name, unit)


_UNIT_NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds"}
