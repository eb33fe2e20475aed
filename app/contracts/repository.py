"""All SQL of contracts: contracts and their queues, the alerts a report lists by name, and
the agreed disputes whose facts a report excludes.

The period's figures are summed by the KPI engine's stats reader (`app.kpi.queries`); what
agreed disputes exclude is summed from the raw facts by the catalogue's component SQL.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from psycopg import Connection
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.access.scope import QueueInfo
from app.contracts.periods import Period
from app.core.grid import GRID_ORIGIN_SQL as ORIGIN
from app.core.vocabulary import LOGGED_OUT
from app.kpi.queries import SCHEDULE_ROWS
from app.kpi.sources import (
    AGENTS,
    ALERT_ACKNOWLEDGED_SQL,
    ALERT_RESPONSE_SQL,
    ALERTS,
    FORECASTS,
    QA,
    QA_DAYS,
    SCHEDULES,
    TICKETS,
    Source,
    agent_segments_sql,
)
from app.models import (
    Client,
    Contract,
    ContractQueue,
    Dispute,
    DisputeStep,
    Measure,
    Measurement,
    Queue,
    QueueVendor,
    Vendor,
)


def contracts_by_code(session: Session) -> dict[str, Contract]:
    """Return every contract by code."""
    return {c.code: c for c in session.scalars(select(Contract))}


def queues_by_code(session: Session) -> dict[str, Queue]:
    """Return every queue by code."""
    return {q.code: q for q in session.scalars(select(Queue))}


def served_pairs(session: Session) -> set[tuple[int, int]]:
    """Return every (queue id, vendor id) where the vendor serves the queue."""
    return {(q, v) for q, v in session.execute(select(QueueVendor.queue_id, QueueVendor.vendor_id))}


def contract_queue_ids(session: Session, contract_id: int) -> set[int]:
    """Return the ids of the queues a contract covers."""
    query = select(ContractQueue.queue_id).where(ContractQueue.contract_id == contract_id)
    return set(session.scalars(query))


def link_queues(
    session: Session, contract: Contract, added: Sequence[int], gone: Sequence[int]
) -> None:
    """Add and remove queues of a contract."""
    if added:
        rows = [
            {"client_id": contract.client_id, "contract_id": contract.id, "queue_id": queue_id}
            for queue_id in added
        ]
        session.execute(insert(ContractQueue), rows)
    if gone:
        session.execute(
            delete(ContractQueue).where(
                ContractQueue.contract_id == contract.id, ContractQueue.queue_id.in_(gone)
            )
        )


@dataclass(frozen=True)
class ContractRow:
    """A stored contract with its vendor's code and its queues, ordered by code."""

    contract: Contract
    vendor_code: str
    queues: tuple[QueueInfo, ...]


def client_code_and_timezone(session: Session, client_id: int) -> tuple[str, str]:
    """Return a client's code and timezone name."""
    row = session.execute(select(Client.code, Client.timezone).where(Client.id == client_id)).one()
    return row.code, row.timezone


def client_name(session: Session, client_id: int) -> str:
    """Return a client's display name."""
    return session.scalar(select(Client.name).where(Client.id == client_id)) or ""


def contracts_in_force(
    session: Session, client_id: int, first_day: date, last_day: date, vendor_id: int | None
) -> list[ContractRow]:
    """Return the client's contracts valid on any day of `[first_day, last_day]`, by code.

    With `vendor_id`, only that vendor's contracts (what a vendor's key may read).
    """
    query = (
        select(Contract, Vendor.code)
        .join(Vendor, Vendor.id == Contract.vendor_id)
        .where(
            Contract.client_id == client_id,
            Contract.valid_from <= last_day,
            Contract.valid_to >= first_day,
        )
        .order_by(Contract.code)
    )
    if vendor_id is not None:
        query = query.where(Contract.vendor_id == vendor_id)
    found = session.execute(query).all()
    queues = session.execute(
        select(ContractQueue.contract_id, Queue)
        .join(Queue, Queue.id == ContractQueue.queue_id)
        .where(ContractQueue.contract_id.in_([contract.id for contract, _ in found]))
        .order_by(Queue.code)
    ).all()
    return [
        ContractRow(
            contract,
            vendor_code,
            tuple(
                QueueInfo(
                    q.id,
                    q.code,
                    q.sl_threshold_s,
                    q.sl_formula,
                    q.short_abandon_s,
                    q.targets,
                    q.hours,
                )
                for contract_id, q in queues
                if contract_id == contract.id
            ),
        )
        for contract, vendor_code in found
    ]


def unacknowledged_alerts(
    pg: Connection,
    *,
    client_id: int,
    queue_ids: Sequence[int],
    start: datetime,
    end: datetime,
    limit: int,
) -> list[tuple]:
    """Return the alerts opened in `[start, end)` and not acknowledged by `end`, oldest first.

    Rows: (queue code, rule name, opened at, resolved at, seconds unacknowledged: until it
    resolved, `end` or now, whichever came first), at most `limit` of them.
    """
    return pg.execute(
        f"SELECT q.code, r.name, a.opened_at, a.resolved_at, {ALERT_RESPONSE_SQL}::float8"
        " FROM alerts a JOIN queues q ON q.id = a.queue_id JOIN alert_rules r ON r.id = a.rule_id"
        " WHERE a.client_id = %(client)s AND a.queue_id = ANY(%(queues)s)"
        f" AND a.opened_at >= %(lo)s AND a.opened_at < %(hi)s AND NOT {ALERT_ACKNOWLEDGED_SQL}"
        " ORDER BY a.opened_at, a.id LIMIT %(limit)s",
        {"client": client_id, "queues": list(queue_ids), "lo": start, "hi": end, "limit": limit},
    ).fetchall()


def open_disputes(session: Session, contract_id: int, period_label: str) -> list[int]:
    """Return the ids of the contract's disputes of a period (as written) still open."""
    query = select(Dispute.id).where(
        Dispute.contract_id == contract_id,
        Dispute.period == period_label,
        Dispute.state == "open",
    )
    return list(session.scalars(query.order_by(Dispute.id)))


def agreed_disputes(
    session: Session, contract_id: int, start: datetime, end: datetime
) -> list[tuple[Dispute, datetime, str]]:
    """Return the contract's agreed disputes opened for a period overlapping `[start, end)`,
    each with when and by whom it was agreed, oldest first (their windows and calls lie
    inside their own period, so no other dispute can touch a report of `[start, end)`)."""
    query = (
        select(Dispute, DisputeStep.at, DisputeStep.actor)
        .join(DisputeStep, DisputeStep.dispute_id == Dispute.id)
        .where(
            Dispute.contract_id == contract_id,
            Dispute.state == "agreed",
            DisputeStep.step == "agreed",
            Dispute.period_start < end,
            Dispute.period_end > start,
        )
        .order_by(Dispute.id)
    )
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


@dataclass(frozen=True)
class Excluded:
    """What to take out of a report: the facts its vendor sent for the contract's queues (and
    its agents' states) in any of `windows` (UTC, disjoint) or among `call_ids`, per local day
    starting at `starts` (the last ending at `end`), on the `interval_minutes` grid of the
    stats."""

    client_id: int
    queue_ids: Sequence[int]
    vendor_id: int
    windows: Sequence[tuple[datetime, datetime]]
    call_ids: Sequence[str]
    starts: Sequence[datetime]
    end: datetime
    interval_minutes: int
    stale_s: int

    def params(self) -> dict[str, object]:
        """Return the statement parameters every source's statement shares."""
        return {
            "client": self.client_id,
            "queues": list(self.queue_ids),
            "vendor": self.vendor_id,
            "wlo": [lo for lo, _ in self.windows],
            "whi": [hi for _, hi in self.windows],
            "ids": list(self.call_ids),
            "days": list(self.starts),
            "dlo": list(self.starts),
            "dhi": [*self.starts[1:], self.end],
            "lo": self.starts[0],
            "hi": self.end,
            "iv": f"{self.interval_minutes} minutes",
            "cap": f"{self.stale_s} seconds",
        }


_IN_WINDOW = (
    "EXISTS (SELECT 1 FROM unnest(%(wlo)s::timestamptz[], %(whi)s::timestamptz[]) w(lo, hi)"
    " WHERE {t} >= w.lo AND {t} < w.hi)"
)


def excluded_components(pg: Connection, source: Source, excluded: Excluded) -> list[tuple]:
    """Sum a source's components over the excluded facts: rows (day index from 0, split, *sums).

    The catalogue's own component SQL over the raw facts, each fact in the local day its stats
    row is in (calls and tickets: their interval's start; alerts: their opening; agent state
    seconds: cut at the days' and windows' edges, as the stats cut them at intervals'), so
    subtracting these sums from the stats' is the report without those facts. A call in a
    window and among the ids counts once.
    """
    params = excluded.params()
    if source is SCHEDULES:
        return _excluded_schedules(pg, excluded)
    if source is FORECASTS:  # an interval's actual calls are the queue's: kept as measured
        return []
    if source is AGENTS:
        changes = (
            "(SELECT * FROM agent_state_changes s WHERE s.client_id = %(client)s"
            f" AND {source.scope} AND s.at >= %(lo)s - %(cap)s::interval"
            " AND s.at < %(hi)s + %(cap)s::interval) a"
        )
        return pg.execute(
            f"WITH seg AS ({agent_segments_sql(changes, '%(cap)s::interval')})"
            f" SELECT d.i - 1, NULL, {source.select_sql()} FROM seg"
            " CROSS JOIN unnest(%(wlo)s::timestamptz[], %(whi)s::timestamptz[]) w(lo, hi)"
            " JOIN unnest(%(dlo)s::timestamptz[], %(dhi)s::timestamptz[]) WITH ORDINALITY"
            " d(lo, hi, i) ON d.lo < w.hi AND d.hi > w.lo"
            " CROSS JOIN LATERAL (SELECT extract(epoch FROM least(seg.seg_end, w.hi, d.hi)"
            " - greatest(seg.seg_start, w.lo, d.lo)) AS s) o"
            f" WHERE seg.state <> '{LOGGED_OUT}' AND o.s > 0 GROUP BY 1",
            params,
        ).fetchall()
    if source is QA_DAYS:  # an agent-day is not cut by a window: coverage stays as measured
        return []
    a, at = source.alias, f"{source.alias}.{source.time_column}"
    chosen = _IN_WINDOW.format(t=at)
    if source.fact_table == "calls" or source is QA:  # its evaluations, callback go with it
        chosen = f"({chosen} OR {a}.call_id = ANY(%(ids)s::text[]))"
    if source is QA:
        sums = ", ".join(f"sum(({c.sql})::float8)" for c in source.components.values())
        return pg.execute(
            f"SELECT width_bucket({at}, %(days)s::timestamptz[]) - 1, NULL, {sums}"
            f" FROM qa_evaluations {a} WHERE {a}.client_id = %(client)s"
            f" AND {a}.queue_id = ANY(%(queues)s) AND {source.vendor_limit(a)}"
            f" AND {at} >= %(lo)s AND {at} < %(hi)s AND {chosen} GROUP BY 1",
            params,
        ).fetchall()
    if source is ALERTS:
        sums = ", ".join(f"sum(({c.sql})::float8)" for c in source.components.values())
        return pg.execute(
            f"SELECT width_bucket({at}, %(days)s::timestamptz[]) - 1, NULL, {sums}"
            f" FROM alerts {a} WHERE {a}.client_id = %(client)s AND {a}.queue_id = ANY(%(queues)s)"
            f" AND {at} >= %(lo)s AND {at} < %(hi)s AND {chosen} GROUP BY 1",
            params,
        ).fetchall()
    split = dict(source.splits)["channel"] if source is TICKETS else "NULL"
    where = f" AND {source.where}" if source.where else ""
    where += f" AND {source.vendor_limit(a)}"  # the vendor's own records, as its stats
    sums = source.select_sql()
    if not source.interval_table:  # read-time (callback requests): per-row values, summed
        sums = ", ".join(f"sum(({c.sql})::float8)" for c in source.components.values())
    return pg.execute(
        f"SELECT width_bucket(bk.start, %(days)s::timestamptz[]) - 1, {split}, {sums}"
        f" FROM {source.fact_table} {a} {source.rows_sql}"
        f" CROSS JOIN LATERAL (SELECT date_bin(%(iv)s::interval, {at}, {ORIGIN}) AS start) bk"
        f" WHERE {a}.client_id = %(client)s AND {a}.queue_id = ANY(%(queues)s){where}"
        f" AND {at} >= %(lo)s::timestamptz - %(iv)s::interval"
        f" AND {at} < %(hi)s::timestamptz + %(iv)s::interval"
        f" AND bk.start >= %(lo)s AND bk.start < %(hi)s AND {chosen} GROUP BY 1, 2",
        params,
    ).fetchall()


# The schedule pieces of a report's scope (the stats reader's own rows, `SCHEDULE_ROWS`),
# each in its local day of the period: %(cut)s picks which pieces of the window's segments.
_SCHEDULE_PIECES = (
    f"SELECT width_bucket(s.start_at, %(days)s::timestamptz[]) - 1,"
    f" {', '.join(f'coalesce(sum(s.{name}), 0)::float8' for name in SCHEDULES.names)}"
    f" FROM {SCHEDULE_ROWS} s WHERE s.client_id = %(client)s AND {SCHEDULES.scope}"
    f" AND {SCHEDULES.vendor_limit()} AND s.start_at >= %(plo)s AND s.start_at < %(phi)s"
    " AND {cut} GROUP BY 1"
)
# From the window's start on, the pieces starting before its end; less, from its end on,
# the piece starting at it that a grid interval holding the end would have kept whole.
_FROM_WINDOW_START = _SCHEDULE_PIECES.replace("{cut}", "s.start_at < %(hi)s")
_PAST_WINDOW_END = _SCHEDULE_PIECES.replace(
    "{cut}", "s.start_at = %(hi)s AND s.interval_start < %(hi)s"
)


def _excluded_schedules(pg: Connection, excluded: Excluded) -> list[tuple]:
    """Sum the schedule components of the agreed windows: rows (day index, None, *sums).

    The stats reader cuts its pieces at a start (`since`) and at the grid; a window's part
    of the agent's schedule is its pieces cut at the window's start, less what the piece
    holding the window's end kept after it (that piece cut at the end): scheduled, worked
    and adherent seconds all add over time, so the difference is exactly the window's.
    """
    base = excluded.params() | {
        "plo": excluded.starts[0],
        "phi": excluded.end,
        "per_queue": False,  # an agent's second counts once in the report, as measured
        "stale": f"{excluded.stale_s} seconds",
    }
    days: dict[int, list[float]] = {}
    for lo, hi in excluded.windows:
        window = base | {"lo": lo, "hi": hi}
        for sign, sql, since in ((1, _FROM_WINDOW_START, lo), (-1, _PAST_WINDOW_END, hi)):
            for day, *sums in pg.execute(sql, window | {"since": since}):
                total = days.setdefault(day, [0.0] * len(sums))
                days[day] = [t + sign * v for t, v in zip(total, sums, strict=True)]
    return [(day, None, *sums) for day, sums in sorted(days.items())]


def measure_units(session: Session) -> dict[str, str]:
    """Return the unit of every declared measure by code (the targets a contract may add)."""
    return {code: unit for code, unit in session.execute(select(Measure.code, Measure.unit))}


def submitted_measurements(
    session: Session, codes: Sequence[str], client_id: int, vendor_id: int, period: Period
) -> list[tuple[Measure, Measurement | None]]:
    """Return each declared measure of `codes` with the vendor's measurement of it for the
    client whose period holds `period`, the narrowest such (None: nothing submitted)."""
    measures = session.scalars(select(Measure).where(Measure.code.in_(codes))).all()
    found = []
    for measure in measures:
        measurement = session.scalar(
            select(Measurement)
            .where(
                Measurement.measure_id == measure.id,
                Measurement.client_id == client_id,
                Measurement.vendor_id == vendor_id,
                Measurement.period_start <= period.start,
                Measurement.period_end >= period.end,
            )
            .order_by(Measurement.period_end - Measurement.period_start, Measurement.id.desc())
            .limit(1)
        )
        found.append((measure, measurement))
    return found
