"""Checks made on a record before it reaches the database, and how a refusal is told.

The merge rules and the checks on merged rows live in SQL (`ingest.facts`).
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

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


def since_epoch(moment: datetime) -> timedelta:
    """Return an aware moment as the time since the epoch, to compare moments by.

    Moments sent in different offsets (each parsed with a tzinfo of its own) compare
    slowly: each comparison converts both sides. One subtraction each, then comparisons of
    timedeltas, is several times cheaper, and exact (to the microsecond).
    """
    return moment - EPOCH


def earliest_accepted(now: datetime, max_age_days: int) -> datetime:
    """Return the start of the accepted window: `max_age_days` before `now`."""
    try:
        return now - timedelta(days=max_age_days)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def check_times(
    record: dict[str, Any],
    fields: tuple[str, ...],
    earliest: datetime,
    latest: datetime,
    max_age_days: int,
) -> timedelta | None:
    """Refuse timestamps after `latest` (now plus the allowed clock skew) or before `earliest`;
    return the latest of them as time since the epoch (None if none is set).

    Old records are refused by name so that a stray year cannot create a partition. The
    latest time is the moment the record could first have been sent (its lateness, counted
    by `feed_counts`), got here at no cost: comparing the moments themselves is slow.
    """
    errors = []
    after, before = since_epoch(latest), since_epoch(earliest)
    last = None
    for field in fields:
        moment = record.get(field)
        if moment is None:
            continue
        since = since_epoch(moment)
        if last is None or since > last:
            last = since
        if since > after:
            errors.append(
                f"{field}: {sent(moment)} is in the future (server time allows up to"
                f" {sent(latest.astimezone(moment.tzinfo))}); check the sender's clock and"
                " timezone"
            )
        elif since < before:
            errors.append(
                f"{field}: {sent(moment)} is older than the accepted window of"
                f" {max_age_days} days (from {sent(_like(earliest, moment))}); older history"
                " is loaded with"
                " `callpulse import --max-age-days N`"
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
