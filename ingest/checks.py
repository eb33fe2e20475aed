"""Checks made on a record before it reaches the database, and how a refusal is told.

The merge rules and the checks on merged rows live in SQL (`ingest.facts`).
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
from pydantic_core import TzInfo

EXCERPT_CHARS = 80
_SURROGATE = re.compile("[\ud800-\udfff]")


class RecordRejected(Exception):
    """A record that cannot be accepted, with one message per problem."""

    def __init__(self, *errors: str) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Return `text` printable and bounded, for quoting a sender's value in a message."""
    text = text.replace("\x00", "\\x00").encode(errors="backslashreplace").decode()
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def sent(moment: datetime) -> str:
    """Render a moment in the offset it was sent in, e.g. 2026-11-20T09:00:00+08:00."""
    text = moment.isoformat(timespec="seconds")
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def unstorable_fields(value: Any, path: str = "") -> list[str]:
    """Return a message for every field name or string PostgreSQL cannot store.

    That is a NUL character, or an unpaired surrogate (sent as a `\\ud800` escape).
    """
    if not path and storable(value):
        return []
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{excerpt(str(key))}" if path else excerpt(str(key))
            if problem := _unstorable(str(key)):
                found.append(f"{where}: field name {problem}")
            found += unstorable_fields(item, where)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            found += unstorable_fields(item, f"{path or 'record'}.{position}")
    elif isinstance(value, str) and (problem := _unstorable(value)):
        found.append(f"{path or 'record'}: {problem}")
    return found


def storable(value: Any) -> bool:
    """Tell quickly that a record (or a whole batch of them) holds nothing unstorable: orjson
    refuses unpaired surrogates and writes NUL as its escape (a false alarm only costs the
    full walk)."""
    try:
        return b"\\u0000" not in orjson.dumps(value)
    except orjson.JSONEncodeError:
        return False


def _unstorable(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (\\x00)"
    surrogate = _SURROGATE.search(text)
    if surrogate:
        return (
            f"contains an unpaired surrogate (\\u{ord(surrogate.group()):04x}); send valid Unicode"
        )
    return None


def five_point_csat(records: list[Any]) -> list[str | None]:
    """Return an error for each record whose csat looks like a 1–5 score, else None.

    Scores without `csat_scale` are read as 0–100, unless every one of the batch is a
    whole number from 1 to 5: then the batch is most likely on a 1–5 scale, and its
    scores are refused rather than read as 1–5 %.
    """
    scores = [
        getattr(r, "csat", None) if getattr(r, "csat_scale", None) is None else None
        for r in records
    ]
    sent_scores = [s for s in scores if s is not None]
    if not sent_scores or not all(s in (1, 2, 3, 4, 5) for s in sent_scores):
        return [None] * len(records)
    return [
        None
        if score is None
        else f"csat: {score:g} looks like a score on a 1–5 scale (every csat of this batch is"
        " a whole number from 1 to 5): send csat_scale 5 with it, or csat_scale 100 for a"
        " 0–100 score"
        for score in scores
    ]


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Zones of one offset whatever the date: pydantic's, for times sent as text, and datetime's
# own. Two moments of one such zone object compare (and subtract) as their local times do,
# without asking the zone its offset (0.3 µs each time for pydantic's); a zone of the tz
# database, as feeds may hand over, depends on the date and is asked each time.
FIXED_ZONES = (TzInfo, timezone)
_UNSEEN = object()


def since_epoch(moment: datetime) -> timedelta:
    """Return an aware moment as the time since the epoch (exact to the microsecond)."""
    return moment - EPOCH


def in_fixed_zone(moment: datetime, zone: Any) -> datetime | None:
    """Return `moment` in `zone` when that is a fixed-offset zone and the result stays in
    the calendar, else None (compare with the moment itself then)."""
    if type(zone) not in FIXED_ZONES:
        return None
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return None


@dataclass
class Window:
    """The accepted span of record times: `max_age_days` back from now, up to `latest` ahead.

    Old records are refused by name so that a stray year cannot create a partition. The
    window's ends are kept per zone a batch's times were sent in, so each time is compared
    with the ends in its own zone: exact, and several times cheaper than converting it.
    """

    earliest: datetime
    latest: datetime
    max_age_days: int
    _ends: dict[Any, tuple[datetime, datetime] | None] = field(
        default_factory=dict, init=False, repr=False
    )

    @classmethod
    def around(cls, now: datetime, max_age_days: int, ahead: timedelta) -> "Window":
        """Return the window from `max_age_days` before `now` to `ahead` of it."""
        try:
            earliest = now - timedelta(days=max_age_days)
        except OverflowError:
            earliest = datetime.min.replace(tzinfo=UTC)
        return cls(earliest, now + ahead, max_age_days)

    def _ends_in(self, zone: Any) -> tuple[datetime, datetime] | None:
        found = self._ends.get(zone, _UNSEEN)
        if found is _UNSEEN:
            earliest, latest = in_fixed_zone(self.earliest, zone), in_fixed_zone(self.latest, zone)
            found = self._ends[zone] = (
                None if earliest is None or latest is None else (earliest, latest)
            )
        return found  # type: ignore[return-value]

    def check(self, record: dict[str, Any], fields: tuple[str, ...]) -> datetime | None:
        """Refuse timestamps after `latest` (now plus the allowed clock skew) or before
        `earliest`; return the latest of them (None if none is set).

        The latest time is the moment the record could first have been sent: its lateness,
        counted by `feed_counts`.
        """
        errors = []
        last = None
        for name in fields:
            moment = record.get(name)
            if moment is None:
                continue
            ends = self._ends_in(moment.tzinfo)
            earliest, latest = ends or (self.earliest, self.latest)
            if last is None or moment > last:
                last = moment
            if moment > latest:
                errors.append(
                    f"{name}: {sent(moment)} is in the future (server time allows up to"
                    f" {sent(self.latest.astimezone(moment.tzinfo))}); check the sender's"
                    " clock and timezone"
                )
            elif moment < earliest:
                errors.append(
                    f"{name}: {sent(moment)} is older than the accepted window of"
                    f" {self.max_age_days} days (from {sent(_like(self.earliest, moment))});"
                    " older history is loaded with `callpulse import --max-age-days N`"
                )
        if errors:
            raise RecordRejected(*errors)
        return last


def _like(moment: datetime, example: datetime) -> datetime:
    """Return `moment` in the offset of `example` (unchanged if that leaves the calendar)."""
    try:
        return moment.astimezone(example.tzinfo)
    except OverflowError:
        return moment
