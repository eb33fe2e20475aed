"""KPI series for `/v1/metrics`: weigh the series, sum stats per bucket, gap-fill, compute KPIs."""

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, time
from itertools import islice
from typing import Any

from psycopg import Connection

from app.access.scope import Scope
from app.core.errors import AppError
from app.core.vocabulary import DEFAULT_QA_BASIS, QA_BASES
from app.kpi import queries
from app.kpi.definitions import (
    AGENT_COMPONENTS,
    ALERT_COMPONENTS,
    CALL_COMPONENTS,
    CALL_KPIS,
    CALLBACK_COMPONENTS,
    FORECAST_COMPONENTS,
    QA_COMPONENTS,
    QA_DAY_COMPONENTS,
    SCHEDULE_COMPONENTS,
    TICKET_COMPONENTS,
    TICKET_KPIS,
    evaluate,
    kpis_of,
)
from app.kpi.intervals import GRANULARITIES, Bucket, Span, iter_buckets, span
from app.kpi.sources import NO_DATA, SOURCES

SPLITS = {None, "queue", "agent", "channel"}
KPI_NAMES = {source: kpis_of(source) for source in SOURCES}


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
    max_rows: int,
    qa_basis: str = DEFAULT_QA_BASIS,
) -> Iterator[dict[str, Any]]:
    """Return one row per bucket (and per split value), with every KPI that applies.

    The rows are weighed first (buckets × split values, from a cheap count) and a series
    above `max_rows` is refused before any stats are read. The stats are read now; the rows
    are computed as they are taken, so a long series can be streamed. QA accuracy divides
    by `qa_basis`: evaluated contacts, or handled calls.
    """
    if by not in SPLITS:
        raise AppError("by: use queue, agent or channel")
    if qa_basis not in QA_BASES:
        raise AppError(f"qa_basis: use {' or '.join(QA_BASES)}")
    extent = span(start, end, granularity, scope.timezone, interval_minutes)
    _weigh(pg, scope, extent, by, granularity, interval_minutes, max_rows)
    sources = _sources(by, queue_level)
    sums = _sums(pg, scope, extent, granularity, by, sources, interval_minutes)
    splits = sorted({split for _, split in sums}, key=str) if by else [None]
    return (
        _row(
            scope,
            period,
            split,
            sums.get((period.key, split), {}),
            sources,
            by,
            queue_level,
            agent_codes,
            qa_basis,
        )
        for split in splits
        for period in iter_buckets(start, end, granularity, scope.timezone, interval_minutes)
    )


def _weigh(
    pg: Connection,
    scope: Scope,
    extent: Span,
    by: str | None,
    granularity: str,
    interval_minutes: int,
    max_rows: int,
) -> None:
    """Refuse a series of more than `max_rows` rows: buckets × the split values with data."""
    members = 1
    if by:
        members = queries.split_members(
            pg,
            by,
            client_id=scope.client_id,
            queue_ids=[q.id for q in scope.queues],
            vendor_id=scope.vendor_id,
            start=extent.start,
            end=extent.end,
            tz=scope.timezone,
        )
    members = max(members, 1)  # no data still lists every bucket
    if extent.count * members > max_rows:
        raise AppError(
            _too_many_rows(extent, members, by, granularity, scope, interval_minutes, max_rows)
        )


def _sums(
    pg: Connection,
    scope: Scope,
    extent: Span,
    granularity: str,
    by: str | None,
    sources: dict[str, tuple[tuple[str, ...], str | None]],
    interval_minutes: int,
) -> dict[tuple[Any, Any], dict[str, float]]:
    """Read each source's summed components, keyed (bucket key, split value)."""
    grouping = queries.Buckets(granularity, extent.start, extent.end, str(scope.timezone))
    within = queries.StatsScope(scope.client_id, [q.id for q in scope.queues], scope.vendor_id)
    sums: dict[tuple[Any, Any], dict[str, float]] = defaultdict(dict)
    for source, (components, split) in sources.items():
        for bucket, split_value, *values in queries.sum_components(
            pg,
            SOURCES[source],
            components,
            grouping,
            within,
            split=split,
            interval_minutes=interval_minutes,
        ):
            key = (bucket, "voice" if by == "channel" and source == "calls" else split_value)
            sums[key].update(zip(components, values, strict=True))
    return sums


def columns(by: str | None, queue_level: bool) -> list[str]:
    """Return the fields of the series' rows, in order: what a CSV header lists."""
    names = ["client"]
    if by == "queue" or queue_level:
        names.append("queue")
    if by in ("agent", "channel"):
        names.append(by)
    names += ["start", "end", "sl_formula"]
    if by == "channel":
        return names + list(CALL_KPIS + TICKET_KPIS)
    return names + [name for source in _sources(by, queue_level) for name in KPI_NAMES[source]]


def _too_many_rows(
    extent: Span,
    members: int,
    by: str | None,
    granularity: str,
    scope: Scope,
    interval_minutes: int,
    max_rows: int,
) -> str:
    """Say how big the series would be, the bound, and how to narrow it or page through it."""
    split = f" × {members:,} {by}s" if by else ""
    per_page = max_rows // members
    coarser = GRANULARITIES[GRANULARITIES.index(granularity) + 1 :]
    ways = [
        "a shorter range (from/to)",
        *([f"a coarser granularity ({', '.join(coarser)})"] if coarser else []),
        *(["one queue (queue=CODE)"] if len(scope.queues) > 1 and by != "queue" else []),
        *(["no split (leave out by=)"] if by else []),
    ]
    message = (
        f"too many rows: this series would have {extent.count * members:,} rows"
        f" ({extent.count:,} {granularity} buckets{split}), above the bound of {max_rows:,}"
        " (CALLPULSE_MAX_METRIC_ROWS). Narrow it: " + ", ".join(ways)
    )
    if per_page:
        page = extent.start
        for bucket in islice(
            iter_buckets(extent.start, extent.end, granularity, scope.timezone, interval_minutes),
            per_page,
        ):
            page = bucket.end
        message += (
            f"; or page through it {per_page:,} buckets at a time: from={_bound(extent.start)}"
            f"&to={_bound(page)}, then from that to onwards"
        )
    return message + "."


def _bound(moment: datetime) -> str:
    """Write an instant as `from`/`to` take it in a URL: a date at local midnight, else UTC."""
    if moment.time() == time():
        return moment.date().isoformat()
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _sources(by: str | None, queue_level: bool) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """Which stats feed the rows, and the column each is split by."""
    if by == "agent":
        return {
            "calls": (CALL_COMPONENTS, "agent_id"),
            "agents": (AGENT_COMPONENTS, "agent_id"),
            "qa": (QA_COMPONENTS, "agent_id"),
            "qa_days": (QA_DAY_COMPONENTS, "agent_id"),
            "schedules": (SCHEDULE_COMPONENTS, "agent_id"),
        }
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
    # QA after the others, so CSV columns keep their places; agent-days, like agent states,
    # belong to the client (or an agent), not to a queue.
    sources["qa"] = (QA_COMPONENTS, split)
    if not queue_level and by is None:
        sources["qa_days"] = (QA_DAY_COMPONENTS, None)
    sources["schedules"] = (SCHEDULE_COMPONENTS, split)
    # Forecasts are of a queue, never of an agent or a channel: by=agent and by=channel rows
    # leave their KPIs out, like the ticket and alert KPIs.
    sources["forecasts"] = (FORECAST_COMPONENTS, split)
    sources["callbacks"] = (CALLBACK_COMPONENTS, split)  # requests, per queue (no agent)
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
    qa_basis: str,
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
        names += KPI_NAMES[source]
    if by == "channel":  # calls are the voice channel; the others are ticket channels
        names = CALL_KPIS if split == "voice" else TICKET_KPIS
    return row | evaluate(names, NO_DATA | components, formula, qa_basis)
