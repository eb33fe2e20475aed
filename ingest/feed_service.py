"""Find a feed and make it ready to parse: its adapter, `FeedConfig` and window."""

from dataclasses import dataclass

from app.core.db import Database
from app.core.errors import ConfigError, NotFound
from ingest import feed_repository
from ingest.adapters.base import Adapter, FeedConfig
from ingest.feed_config import feed_config


@dataclass(frozen=True)
class ReadyFeed:
    """A stored feed, resolved for one request or import."""

    adapter: Adapter
    config: FeedConfig
    vendor_id: int
    max_age_days: int | None


def vendor_feed(database: Database, name: str, vendor_id: int | None) -> ReadyFeed:
    """Return the feed `name` of the caller's vendor; 404 if there is none.

    Another vendor's feed answers the same 404 as a missing one, so a key learns nothing
    about other tenants' feeds.
    """
    with database.session_scope() as session:
        feed = feed_repository.vendor_feed(session, name, vendor_id)
        if feed is None:
            raise NotFound(
                f"unknown feed {name!r}: this key's vendor has no feed of that name"
                " (feeds are declared under `feeds:` in the YAML of `callpulse apply`)"
            )
        return ReadyFeed(*feed_config(feed), feed.vendor_id, feed.max_age_days)


def named_feed(database: Database, name: str) -> ReadyFeed:
    """Return the feed `name` for the operator's `callpulse import --feed`."""
    with database.session_scope() as session:
        feed = feed_repository.feed_named(session, name)
        if feed is None:
            raise ConfigError(f"--feed {name!r}: unknown feed; declare it under `feeds:`")
        return ReadyFeed(*feed_config(feed), feed.vendor_id, feed.max_age_days)
