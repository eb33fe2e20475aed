"""Apply the `feeds:` section: upsert feeds by name (idempotent), checked against tenancy.

A feed's vendor must exist, its format's options must satisfy the adapter, and every
queue it maps to must be served by that vendor: the records it makes are the vendor's.
A feed left out of the file stays, as clients, queues and contracts do.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.core.errors import ConfigError
from app.models import Feed, Vendor
from ingest import feed_repository
from ingest.feed_config import FeedSpec, OptionsRejected, checked_options


def apply_feeds(
    session: Session, entries: Sequence[FeedSpec], vendors: dict[str, Vendor], counts: Counter[str]
) -> None:
    """Create or update every feed of `entries`; errors name `feeds[i] (name).field`."""
    feeds = feed_repository.feeds_by_name(session)
    served = feed_repository.served_codes(session)
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"feeds[{i}] ({entry.name})"
        if entry.name in seen:
            raise ConfigError(f"{where}.name: appears twice in the file")
        seen.add(entry.name)
        wanted = _wanted(entry, where, vendors, served)
        feed = feeds.get(entry.name)
        if feed is None:
            session.add(Feed(name=entry.name, **wanted))
            counts["feeds created"] += 1
        elif feed.vendor_id != wanted["vendor_id"]:
            raise ConfigError(
                f"{where}.vendor: the feed belongs to another vendor; a feed cannot move"
                " between vendors (use a new feed name)"
            )
        elif any(getattr(feed, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(feed, name, value)
            feed.updated_at = datetime.now(UTC)
            counts["feeds updated"] += 1
    session.flush()


def _wanted(
    entry: FeedSpec, where: str, vendors: dict[str, Vendor], served: dict[int, set[str]]
) -> dict[str, Any]:
    """Return the feed's stored columns, after checking the vendor, queues and options."""
    vendor = vendors.get(entry.vendor)
    if vendor is None:
        raise ConfigError(f"{where}.vendor: unknown vendor {entry.vendor!r}; add it under vendors")
    unserved = sorted(
        f"{source} → {code}"
        for source, code in entry.queues.items()
        if code not in served.get(vendor.id, set())
    )
    if unserved:
        raise ConfigError(
            f"{where}.queues: vendor {vendor.code} does not serve {', '.join(unserved)}"
            " (add the vendor to the queue's vendors, or fix the code)"
        )
    try:
        options = checked_options(entry)
    except OptionsRejected as exc:
        raise ConfigError("; ".join(f"{where}.{error}" for error in exc.errors)) from None
    return {
        "vendor_id": vendor.id,
        "format": entry.format,
        "timezone": entry.timezone,
        "queues": dict(entry.queues),
        "options": options,
        "max_age_days": entry.max_age_days,
    }
