"""KPI series for `/v1/metrics`: sum stats per bucket, gap-fill, compute every KPI."""

from collections import defaultdict
from datetime import datetime
from typing import Any

from psycopg import Connection

from app.access.scope import Scope
from app.core.errors import AppError
from app.kpi import queries
from app.kpi.definitions import (
    AGENT_COMPONENTS,
    AGENT_KPIS,
    ALERT_COMPONENTS,
    ALERT_KPIS,
    CALL_COMPONENTS,
    CALL_KPIS,
    TICKET_COMPONENTS,
    TICKET_KPIS,
    evaluate,
)
from app.kpi.intervals import Bucket, buckets

SPLITS = {None, "queue", "agent", "channel"}


def _label(moment: datetime) -> str:
    return moment.isoformat()


def metrics_series(
    pg: Connection,
    scope: Scope,
    *,
    start: datetime,
    end: datetime,
    granularity: str,
    by: str | None,
    interval_minutes: int,
    queue_level: bool,
    agent_codes: dict[int, str],
) -> list[dict[str, Any]]:
    """Return one row per bucket (and per split value), with every KPI that applies."""
    if by not in SPLITS:
        raise AppError("by: use queue, agent or channel")
    periods = buckets(start, end, granularity, scope.timezone, interval_minutes)
    common: dict[str, Any] = dict(
        granularity=granularity,
        client_id=scope.client_id,
        queue_ids=[q.id for q in scope.queues],
        vendor_id=scope.vendor_id,
        start=periods[0].start,
        end=periods[-1].end,
        tz=str(scope.timezone),
        interval_minutes=interval_minutes,
    )
    sources = _sources(by, queue_level)
    sums: dict[tuple[Any, Any], dict[str, float]] = defaultdict(dict)
    for source, (components, split) in sources.items():
        for bucket, split_value, *values in queries.sum_stats(
            pg, source, components, split=split, **common
        ):
            key = (bucket, "voice" if by == "channel" and source == "calls" else split_value)
            sums[key].update(zip(components, values, strict=True))
    splits = sorted({split for _, split in sums}, key=str) if by else [None]
    return [
        _row(
            scope,
            period,
            split,
            sums.get((period.key, split), {}),
            sources,
            by,
            queue_level,
            agent_codes,
        )
        for split in splits
        for period in periods
    ]


def _sources(by: str | None, queue_level: bool) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """Which stats feed the rows, and the column each is split by."""
    if by == "agent":
        return {"calls": (CALL_COMPONENTS, "agent_id"), "agents": (AGENT_COMPONENTS, "agent_id")}
    if by == "channel":
        return {"calls": (CALL_COMPONENTS, None), "tickets": (TICKET_COMPONENTS, "channel")}
    split = "queue_id" if by == "queue" else None
    sources = {
        "calls": (CALL_COMPONENTS, split),
        "tickets": (TICKET_COMPONENTS, split),
        "alerts": (ALERT_COMPONENTS, split),
    }
    if not queue_level and by is None:
        sources["agents"] = (AGENT_COMPONENTS, None)
    return sources


def _row(
    scope: Scope,
    period: Bucket,
    split: Any,
    components: dict[str, float],
    sources: dict[str, tuple[tuple[str, ...], str | None]],
    by: str | None,
    queue_level: bool,
    agent_codes: dict[int, str],
) -> dict[str, Any]:
    row: dict[str, Any] = {"client": scope.client_code}
    formula = scope.sl_formula
    queue = next((q for q in scope.queues if q.id == split), None) if by == "queue" else None
    if queue or queue_level:
        queue = queue or scope.queues[0]
        row["queue"], formula = queue.code, queue.sl_formula
    if by == "agent":
        row["agent"] = agent_codes.get(split, "(none)") if split else "(none)"
    if by == "channel":
        row["channel"] = split
    row |= {"start": _label(period.start), "end": _label(period.end), "sl_formula": formula}
    names: tuple[str, ...] = ()
    for source in sources:
        names += {
            "calls": CALL_KPIS,
            "tickets": TICKET_KPIS,
            "agents": AGENT_KPIS,
            "alerts": ALERT_KPIS,
        }[source]
    if by == "channel":  # calls are the voice channel; the others are ticket channels
        names = CALL_KPIS if split == "voice" else TICKET_KPIS
    filled = dict.fromkeys(
        CALL_COMPONENTS + TICKET_COMPONENTS + AGENT_COMPONENTS + ALERT_COMPONENTS, 0.0
    )
    return row | evaluate(names, filled | components, formula)
