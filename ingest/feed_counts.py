"""Tally one batch for the feed-quality counters (`app.quality.measures` says what each is)."""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from app.quality.measures import ACCEPTED, DUPLICATES, LATE_MAX, late, lateness_bucket, reason
from app.quality.measures import rejected as rejected_for
from ingest.checks import in_fixed_zone
from ingest.writer import FeedCount


class FeedTally:
    """A batch's counts per (client, measure), and the lateness of its written records."""

    def __init__(self, received: datetime) -> None:
        self.received = received
        self.counts: Counter[tuple[int | None, str]] = Counter()
        self.lateness: defaultdict[int | None, list[float]] = defaultdict(list)
        self._received_in: dict[Any, datetime] = {}

    def accepted(self, clients: Iterable[int], latest: datetime | None) -> None:
        """Count a written record for each of its clients, with its lateness.

        `latest` is the latest time its fields state (`checks.Window.check`): the moment it
        could first have been sent. It is taken from the time received in its own zone
        (`checks.FIXED_ZONES`), which is cheaper and the same.
        """
        lateness = None
        if latest is not None:
            zone = latest.tzinfo
            received = self._received_in.get(zone)
            if received is None:
                received = in_fixed_zone(self.received, zone) or self.received
                self._received_in[zone] = received
            lateness = (received - latest).total_seconds()
        for client in clients:
            self.counts[client, ACCEPTED] += 1
            if lateness is not None:
                self.lateness[client].append(lateness)

    def duplicate(self, clients: Iterable[int]) -> None:
        """Count a record that changed nothing, for each of its clients."""
        for client in clients:
            self.counts[client, DUPLICATES] += 1

    def rejected(self, client: int | None, errors: Iterable[str]) -> None:
        """Count a refused record under the field its first error names."""
        self.counts[client, rejected_for(reason(errors))] += 1

    def rows(self) -> list[FeedCount]:
        """Return the counters to add, `late_max` included."""
        counts = self.counts.copy()
        largest = {}
        for client, seconds in self.lateness.items():  # bucketed once per batch, not per record
            for bucket, n in Counter(map(lateness_bucket, seconds)).items():
                counts[client, late(bucket)] += n
            largest[client] = max(0, math.floor(max(seconds)))
        rows = [FeedCount(client, measure, n) for (client, measure), n in counts.items()]
        rows += [FeedCount(client, LATE_MAX, n) for client, n in largest.items()]
        return rows
