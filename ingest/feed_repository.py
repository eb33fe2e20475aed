"""All SQL of feeds: the stored feeds, and the queue codes a vendor serves."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Feed, Queue, QueueVendor


def feeds_by_name(session: Session) -> dict[str, Feed]:
    """Return every feed by name."""
    return {feed.name: feed for feed in session.scalars(select(Feed))}


def served_codes(session: Session) -> dict[int, set[str]]:
    """Return the codes of the queues each vendor serves, by vendor id."""
    served: dict[int, set[str]] = {}
    query = select(QueueVendor.vendor_id, Queue.code).join(Queue, Queue.id == QueueVendor.queue_id)
    for vendor_id, code in session.execute(query):
        served.setdefault(vendor_id, set()).add(code)
    return served


def vendor_feed(session: Session, name: str, vendor_id: int | None) -> Feed | None:
    """Return the feed `name` if `vendor_id` owns it, else None (the same for both cases)."""
    query = select(Feed).where(Feed.name == name, Feed.vendor_id == vendor_id)
    return session.scalars(query).one_or_none()


def feed_named(session: Session, name: str) -> Feed | None:
    """Return the feed `name`, whoever owns it (the CLI acts for the operator)."""
    return session.scalars(select(Feed).where(Feed.name == name)).one_or_none()
