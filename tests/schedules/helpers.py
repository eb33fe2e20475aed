"""Shared bits of the schedule tests: a day's segments and reading an agent's schedule back."""

from datetime import datetime

import psycopg

DAY = "2026-11-20T{}+08:00"


def seg(agent: str, start: str, end: str, activity: str = "work", **extra) -> dict:
    """Return a posted segment of `agent` on the test day, from `start` to `end` (HH:MM)."""
    return {
        "agent": agent,
        "start": DAY.format(start + ":00"),
        "end": DAY.format(end + ":00"),
        "activity": activity,
        **extra,
    }


def stored(pg: psycopg.Connection, vendor: str, agent: str) -> list[tuple[str, str, str]]:
    """Return the agent's stored segments as (start HH:MM, end HH:MM, activity), in order."""
    rows = pg.execute(
        "SELECT s.start_at, s.end_at, s.activity FROM schedule_segments s"
        " JOIN agents a ON a.id = s.agent_id JOIN vendors v ON v.id = a.vendor_id"
        " WHERE v.code = %s AND a.code = %s ORDER BY s.start_at",
        [vendor, agent],
    ).fetchall()
    return [(_hm(start), _hm(end), activity) for start, end, activity in rows]


def _hm(moment: datetime) -> str:
    return moment.astimezone(datetime.fromisoformat(DAY.format("00:00:00")).tzinfo).strftime(
        "%H:%M"
    )
