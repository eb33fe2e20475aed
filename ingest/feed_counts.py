"""Tally one batch for the feed-quality counters (`app.quality.measures` says what each is)."""

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from app.quality.measures import ACCEPTED, DUPLICATES, LATE_MAX, late, lateness_bucket, reason
from app.quality.measures import rejected as rejected_for
from ingest.writer import FeedCount


def event_time(record: Mapping[str, Any], timestamps: Iterable[str]) -> datetime | None:
    """Return the latest time a record's fields state: the moment it could first have been
    sent."""
    times = [t for t in map(record.get, timestamps) if t is not None]
    return max(times, default=None)


class FeedTally:
    """A batch's counts per (client, measure), and the largest lateness per client."""

    def __init__(self, received: datetime) -> None:
        self.received = received
        self.counts: Counter[tuple[int | None, str]] = Counter()
        self.largest: dict[int | None, int] = {}

    def accepted(self, clients: Iterable[int], at: datetime | None) -> None:
        """Count a written record for each of its clients, with its lateness."""
        lateness = None if at is None else (self.received - at).total_seconds()
        for client in clients:
            self.counts[client, ACCEPTED] += 1
            if lateness is not None:
                self.counts[client, late(lateness_bucket(lateness))] += 1
                whole = max(0, math.floor(lateness))
                self.largest[client] = max(self.largest.get(client, 0), whole)

    def duplicate(self, clients: Iterable[int]) -> None:
        """Count a record that changed nothing, for each of its clients."""
        for client in clients:
            self.counts[client, DUPLICATES] += 1

    def rejected(self, client: int | None, errors: Iterable[str]) -> None:
        """Count a refused record under the field its first error names."""
        self.counts[client, rejected_for(reason(errors))] += 1

    def rows(self) -> list[FeedCount]:
        """Return the counters to add, `late_max` included."""
        rows = [FeedCount(client, measure, n) for (client, measure), n in self.counts.items()]
        rows += [FeedCount(client, LATE_MAX, n) for client, n in self.largest.items()]
        return rows
