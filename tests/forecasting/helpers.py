"""Calls on a local day's slot, and ids, for the forecasting tests."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg

from tests.factories import cdr

TZ = ZoneInfo("Asia/Shanghai")  # the tenant factory's client


def local_today() -> date:
    """Return today in the test client's timezone."""
    return datetime.now(TZ).date()


def slot_calls(queue: str, day: date, at: time, n: int, talk: float, tag: str) -> list[dict]:
    """`n` calls offered in the interval starting `at` on a local day, each answered after
    5 s and handled in `talk` seconds (no hold, no ACW)."""
    start = datetime.combine(day, at, TZ)
    return [
        cdr(
            f"{tag}-{day}-{at}-{i}",
            queue,
            (start + timedelta(seconds=10 * i)).isoformat(),
            wait=5,
            talk=talk,
            talk_s=talk,
            hold_s=0,
            acw_s=0,
        )
        for i in range(n)
    ]


def queue_id(pg: psycopg.Connection, code: str) -> int:
    """Return a queue's id."""
    return pg.execute("SELECT id FROM queues WHERE code = %s", [code]).fetchone()[0]
