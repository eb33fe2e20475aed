"""Pure merging of a record into the stored row, and the checks on the result.

A later record fills in or corrects fields but never erases a known value with null;
a record that changes nothing is a duplicate. Checks run on the merged row, so a
partial record that contradicts what is stored is refused too.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

Row = dict[str, Any]
MAX_SPAN = timedelta(hours=24)


class RecordRejected(Exception):
    """A record that cannot be accepted, with one message per problem."""

    def __init__(self, *errors: str) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


def utc(moment: datetime) -> str:
    """Render a moment in UTC for messages, whatever offset it was sent or stored with."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def overlay(existing: Row | None, patch: Row, defaults: Row) -> Row:
    """Return the row with every non-null value of `patch` laid over it."""
    merged = dict(defaults) if existing is None else dict(existing)
    merged.update({field: value for field, value in patch.items() if value is not None})
    return merged


def check_owner(existing: Row | None, patch: Row, id_field: str) -> None:
    """Refuse a record that would change another vendor's row."""
    if existing is not None and existing["vendor_id"] != patch["vendor_id"]:
        raise RecordRejected(f"{id_field}: already sent by another vendor's feed for this client")


def check_not_future(record: Row, fields: tuple[str, ...], latest: datetime) -> None:
    """Refuse timestamps later than `latest` (now plus the allowed clock skew)."""
    errors = [
        f"{field}: {utc(record[field])} is in the future (server time allows up to"
        f" {utc(latest.replace(microsecond=0))}); check the sender's clock and timezone"
        for field in fields
        if record.get(field) is not None and record[field] > latest
    ]
    if errors:
        raise RecordRejected(*errors)


CALL_DEFAULTS: Row = {
    "direction": "inbound",
    "transferred": False,
    "offered_known": True,
    "answered_at": None,
    "ended_at": None,
    "agent_id": None,
    "talk_s": None,
    "hold_s": None,
    "acw_s": None,
    "acw_done_at": None,
    "resolved": None,
    "csat": None,
    "disposition": None,
}
_CALL_MOMENTS = ("answered_at", "ended_at", "acw_done_at")


def merge_call(existing: Row | None, patch: Row, *, abandoned: bool = False) -> Row:
    """Merge a CDR or call-event patch into a call row and check the result.

    Events may arrive before `offered`: the call then sits at its earliest known moment
    with `offered_known` false until the offered time arrives.
    """
    check_owner(existing, patch, "call_id")
    merged = overlay(existing, patch, CALL_DEFAULTS)
    if patch.get("offered_at") is not None:
        merged["offered_known"] = True
    elif existing is None or not existing["offered_known"]:
        moments = [merged[f] for f in _CALL_MOMENTS if merged[f] is not None]
        if existing is not None:
            moments.append(existing["offered_at"])
        merged["offered_at"] = min(moments)
        merged["offered_known"] = False
    if abandoned and merged["answered_at"] is not None:
        raise RecordRejected(
            f"event: abandoned, but the call was answered at {utc(merged['answered_at'])}"
        )
    _check_call_times(merged)
    return merged


def _check_call_times(call: Row) -> None:
    offered = call["offered_at"] if call["offered_known"] else None
    answered, ended, acw_done = call["answered_at"], call["ended_at"], call["acw_done_at"]
    errors = []
    if offered and answered and answered < offered:
        errors.append(f"answered_at: {utc(answered)} is before offered_at {utc(offered)}")
    start, start_name = (answered, "answered_at") if answered else (offered, "offered_at")
    if start and ended and ended < start:
        errors.append(f"ended_at: {utc(ended)} is before {start_name} {utc(start)}")
    if ended and acw_done and acw_done < ended:
        errors.append(f"acw_done: {utc(acw_done)} is before ended_at {utc(ended)}")
    last = max((t for t in (answered, ended) if t), default=None)
    if offered and last and last - offered >= MAX_SPAN:
        hours = (last - offered).total_seconds() / 3600
        errors.append(f"ended_at: the call spans {hours:.1f} h from offered_at; must be under 24 h")
    if errors:
        raise RecordRejected(*errors)


TICKET_DEFAULTS: Row = {
    "first_response_at": None,
    "resolved_at": None,
    "agent_id": None,
    "priority": None,
    "csat": None,
}


def merge_ticket(existing: Row | None, patch: Row) -> Row:
    """Merge a ticket record into the ticket row and check its times."""
    check_owner(existing, patch, "ticket_id")
    merged = overlay(existing, patch, TICKET_DEFAULTS)
    created = merged["created_at"]
    errors = [
        f"{field}: {utc(merged[field])} is before created_at {utc(created)}"
        for field in ("first_response_at", "resolved_at")
        if merged[field] is not None and merged[field] < created
    ]
    if errors:
        raise RecordRejected(*errors)
    return merged


def merge_agent_change(existing: Row | None, patch: Row) -> Row:
    """Merge an agent event into the state change at the same moment."""
    return overlay(existing, patch, {"reason": None, "queue_ids": None})
