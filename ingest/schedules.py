"""Ingest schedule posts (`POST /v1/schedules`): validate, refuse self-overlaps, replace spans.

A post replaces, per agent, its schedule over the union of `[start, end)` of the posted
segments: stored segments overlapping a posted one are removed, the parts of them outside it
kept (cut at its edges); time the post does not cover keeps its stored schedule. Segments of
one agent in one post that overlap each other are all refused by name (which one should win
is unknowable), kept in `rejected_records` like any refused record. A replayed segment that is
already stored exactly counts as a duplicate. A schedule may create its agent, like an agent
event: the agent belongs to the posting vendor, so a vendor can only schedule its own agents.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from app.core.config import Settings
from app.core.db import Database, driver_connection
from app.core.locks import Lock, wait_for_locks
from ingest import schedule_writer, writer
from ingest.checks import (
    RecordRejected,
    excerpt,
    sent,
)
from ingest.kinds import KEY_CHARS, Target, Tenancy, agent_targets
from ingest.posts import Post, validated
from ingest.raw import RawRecord
from ingest.schemas import ScheduleRecord
from ingest.service import IngestResult

KIND = "schedules"
AHEAD_DAYS = 400  # schedules are published ahead: how far ahead a segment may start


def record_key(value: Any) -> str | None:
    """Return `agent@start` of a posted segment, for error reports (bounded)."""
    if not isinstance(value, dict) or not isinstance(value.get("agent"), str | int):
        return None
    start = value.get("start")
    return excerpt(
        f"{value['agent']}@{start}" if isinstance(start, str) else str(value["agent"]), KEY_CHARS
    )


class ScheduleService:
    """Write schedule posts: each segment replaces the agent's schedule over its span."""

    def __init__(self, database: Database, settings: Settings):
        self.database = database
        self.settings = settings

    def ingest(self, vendor_id: int, records: Sequence[RawRecord]) -> IngestResult:
        """Validate `records`, refuse overlapping ones, and apply the rest in one transaction."""
        post = Post(record_key)
        valid = validated(
            post,
            records,
            ScheduleRecord,
            ("start", "end"),
            self.settings.max_record_age_days,
            timedelta(days=AHEAD_DAYS),
        )
        with self.database.session_scope() as session:
            pg = driver_connection(session)
            tenancy, planned = self._targets(pg, post, vendor_id, valid)
            agents = writer.agent_ids(
                pg, {(t.client_id, vendor_id, t.agent or "") for *_, ts in planned for t in ts}
            )
            wait_for_locks(pg, Lock.SCHEDULE, list(agents.values()))  # one post per agent at a time
            for raw, record, targets in planned:
                changed = [
                    schedule_writer.replace_span(
                        pg,
                        schedule_writer.Segment(
                            t.client_id,
                            vendor_id,
                            agents[(t.client_id, vendor_id, t.agent or "")],
                            record.start,
                            record.end,
                            record.activity,
                            list(t.queue_ids) or None,
                        ),
                    )
                    for t in targets
                ]
                post.wrote(raw.index, [t.client_id for t in targets], any(changed))
            post.store(pg, KIND, vendor_id, tenancy.client_of)
        return post.result

    @staticmethod
    def _targets(
        pg: Any, post: Post, vendor_id: int, valid: list[tuple[RawRecord, ScheduleRecord]]
    ) -> tuple[Tenancy, list[tuple[RawRecord, ScheduleRecord, list[Target]]]]:
        """Resolve each segment's client and queues; refuse those overlapping another one.

        Return the vendor's tenancy too: it places refused segments under their client."""
        code, queues = writer.served_queues(pg, vendor_id)
        wanted = {q for _, r in valid for q in r.queues or []}
        tenancy = Tenancy(
            vendor_id=vendor_id,
            vendor_code=code,
            queues=queues,
            known_queue_codes=writer.existing_queue_codes(pg, sorted(wanted - queues.keys())),
            agent_clients=writer.agent_clients(pg, vendor_id, [r.agent for _, r in valid]),
        )
        planned = []
        # Segments naming queues first: they tell a new agent's client to the others.
        for raw, record in sorted(valid, key=lambda pair: not pair[1].queues):
            try:
                targets = agent_targets(record, tenancy)
            except RecordRejected as exc:
                post.reject(raw, exc.errors)
                continue
            planned.append((raw, record, targets))
            tenancy.agent_clients.setdefault(record.agent, [t.client_id for t in targets])
        planned.sort(key=lambda p: p[0].index)
        clashes = _overlaps(planned)
        for raw, _, targets in planned:
            if raw.index in clashes:
                post.reject(raw, clashes[raw.index], targets[0].client_id)
        return tenancy, [p for p in planned if p[0].index not in clashes]


def _overlaps(
    planned: list[tuple[RawRecord, ScheduleRecord, list[Target]]],
) -> dict[int, list[str]]:
    """Return `{index: errors}` of the segments overlapping another of the same agent."""
    by_agent: dict[tuple[int, str], list[tuple[RawRecord, ScheduleRecord]]] = defaultdict(list)
    for raw, record, targets in planned:
        for t in targets:
            by_agent[(t.client_id, record.agent)].append((raw, record))
    clashes: dict[int, list[str]] = defaultdict(list)
    for segments in by_agent.values():
        segments.sort(key=lambda s: (s[1].start, s[0].index))
        for i, (raw, record) in enumerate(segments):
            for other_raw, other in segments[i + 1 :]:
                if other.start >= record.end:
                    break
                for one, two in ((raw, other_raw), (other_raw, raw)):
                    clashes[one.index].append(_overlap_error(two, record, other))
    return {index: list(dict.fromkeys(errs)) for index, errs in clashes.items()}


def _overlap_error(other: RawRecord, first: ScheduleRecord, second: ScheduleRecord) -> str:
    """Name the overlapping record and the overlap, and say what to do."""
    return (
        f"start: overlaps record {other.index} of agent {first.agent!r}"
        f" from {sent(second.start)} to {sent(min(first.end, second.end))};"
        " one post must not plan an agent twice at once: send one of them"
    )
