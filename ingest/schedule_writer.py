"""All SQL of schedule posts: cut what a segment replaces, insert it.

Runs on the raw psycopg connection of the caller's transaction; commits nothing.
"""

from datetime import datetime
from typing import NamedTuple

from psycopg import Connection


class Segment(NamedTuple):
    """One posted segment of an agent, resolved to ids."""

    client_id: int
    vendor_id: int
    agent_id: int
    start: datetime
    end: datetime
    activity: str
    queue_ids: list[int] | None


def replace_span(pg: Connection, segment: Segment) -> bool:
    """Make `segment` the agent's schedule over `[start, end)`; False if it already was.

    Stored segments overlapping the span are removed; the parts of them outside the span stay
    (a segment straddling an edge is cut at it), so an agent's segments never overlap.
    """
    same = pg.execute(
        "SELECT 1 FROM schedule_segments WHERE client_id = %s AND agent_id = %s"
        " AND start_at = %s AND end_at = %s AND activity = %s"
        " AND queue_ids IS NOT DISTINCT FROM %s::int[]",
        [
            segment.client_id,
            segment.agent_id,
            segment.start,
            segment.end,
            segment.activity,
            segment.queue_ids,
        ],
    ).fetchone()
    if same:
        return False
    params = segment._asdict()
    pg.execute(
        "WITH gone AS (DELETE FROM schedule_segments WHERE client_id = %(client_id)s"
        " AND agent_id = %(agent_id)s AND start_at < %(end)s AND end_at > %(start)s"
        " RETURNING client_id, vendor_id, agent_id, start_at, end_at, activity, queue_ids)"
        " INSERT INTO schedule_segments"
        " (client_id, vendor_id, agent_id, start_at, end_at, activity, queue_ids)"
        " SELECT client_id, vendor_id, agent_id, start_at, %(start)s, activity, queue_ids"
        " FROM gone WHERE start_at < %(start)s"
        " UNION ALL SELECT client_id, vendor_id, agent_id, %(end)s, end_at, activity, queue_ids"
        " FROM gone WHERE end_at > %(end)s"
        " UNION ALL SELECT %(client_id)s, %(vendor_id)s, %(agent_id)s, %(start)s, %(end)s,"
        " %(activity)s, %(queue_ids)s::int[]",
        params,
    )
    return True
