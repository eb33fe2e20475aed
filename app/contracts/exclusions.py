"""Agreed disputes take their window and calls out of the contract's figures (DESIGN §10).

A dispute names a target KPI (or `all`), a time window and/or call ids. Once the other party
agrees, every report of the contract whose period holds them reads each target twice: as
measured, and with the facts of its agreed disputes removed (calls offered, tickets created,
alerts opened in the window, agent state seconds and schedule seconds — scheduled, adherent,
scheduled work and worked — cut to it; calls by id too). The removed
part is summed from the raw facts per local day with the catalogue's own component SQL
(`repository.excluded_components`) and subtracted from the stats' sums, so `actual` is what
the report would say had those facts never arrived; the union of windows and ids counts once.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.access.scope import Scope
from app.contracts import repository
from app.contracts.actuals import Sums, actuals, components, merge
from app.contracts.periods import Period, day_starts
from app.core.db import driver_connection
from app.kpi.sources import SOURCES

ALL = "all"  # a dispute of every target of the contract


@dataclass(frozen=True)
class Exclusion:
    """An agreed dispute as a report applies it: which target, which window and calls."""

    dispute: int
    kpi: str
    start: datetime | None
    end: datetime | None
    call_ids: tuple[str, ...]
    reason: str
    agreed_at: datetime
    agreed_by: str

    def applies_to(self, key: str) -> bool:
        """Return whether it excludes from target `key`."""
        return self.kpi in (ALL, key)


@dataclass(frozen=True)
class Reading:
    """A report's sums per day and target key, after the target's exclusions."""

    scored: dict[str, Sequence[Sums]]
    calls: dict[int, int]  # dispute id → inbound calls it took out


def agreed(session: Session, contract_id: int, period: Period) -> list[Exclusion]:
    """Return the contract's agreed disputes that can touch a report of `period`."""
    return [
        Exclusion(
            dispute.id,
            dispute.kpi,
            dispute.window_start,
            dispute.window_end,
            tuple(dispute.call_ids),
            dispute.reason,
            agreed_at,
            agreed_by,
        )
        for dispute, agreed_at, agreed_by in repository.agreed_disputes(
            session, contract_id, period.start, period.end
        )
    ]


def read(
    session: Session,
    scope: Scope,
    period: Period,
    measured: Sequence[Sums],
    keys: Iterable[str],
    exclusions: Sequence[Exclusion],
    sources: set[str],
    *,
    interval_minutes: int,
    stale_s: int,
) -> Reading:
    """Return the period's sums per target key with its agreed exclusions subtracted.

    `sources` are those the report reads; each distinct set of disputes is summed once.
    """
    keys = list(keys)
    cache: dict[frozenset[int], Sequence[Sums]] = {}
    read_sources = sources | {"calls"}  # each exclusion says how many calls it took out

    def without(chosen: list[Exclusion]) -> Sequence[Sums]:
        found = frozenset(e.dispute for e in chosen)
        if found not in cache:
            cache[found] = _excluded(
                session, scope, period, chosen, read_sources, interval_minutes, stale_s
            )
        return cache[found]

    scored: dict[str, Sequence[Sums]] = {}
    for key in keys:
        chosen = [e for e in exclusions if e.applies_to(key)]
        if not chosen:
            scored[key] = measured
            continue
        taken = without(chosen)
        scored[key] = [_subtract(day, gone) for day, gone in zip(measured, taken, strict=True)]
    calls = {
        e.dispute: int(components(merge(without([e])), "calls").get("received", 0))
        for e in exclusions
    }
    return Reading(scored, calls)


def target_actuals(
    keys: Iterable[str],
    sums: Mapping[str, Sums],
    sl_formula: str,
    qa_bases: Mapping[str, str] | None = None,
) -> dict:
    """Return each target key's KPI over its own sums (its exclusions already taken out)."""
    return {key: actuals((key,), sums[key], sl_formula, qa_bases)[key] for key in keys}


def period_sums(reading: Reading) -> dict[str, Sums]:
    """Return each target key's sums over the whole period, after its exclusions."""
    return {key: merge(days) for key, days in reading.scored.items()}


def day_sums(reading: Reading, index: int) -> dict[str, Sums]:
    """Return each target key's sums of one day of the period, after its exclusions."""
    return {key: days[index] for key, days in reading.scored.items()}


def _excluded(
    session: Session,
    scope: Scope,
    period: Period,
    chosen: Sequence[Exclusion],
    sources: set[str],
    interval_minutes: int,
    stale_s: int,
) -> Sequence[Sums]:
    """Return, per day of the period, the components of the facts these exclusions remove."""
    starts = day_starts(period)
    assert scope.vendor_id is not None
    excluded = repository.Excluded(
        scope.client_id,
        [q.id for q in scope.queues],
        scope.vendor_id,
        _disjoint((e.start, e.end) for e in chosen if e.start and e.end),
        sorted({call for e in chosen for call in e.call_ids}),
        starts,
        period.end,
        interval_minutes,
        stale_s,
    )
    daily: list[dict[tuple[str, Any], dict[str, float]]] = [{} for _ in starts]
    pg = driver_connection(session)
    for name in sorted(sources):
        source = SOURCES[name]
        for day, split, *values in repository.excluded_components(pg, source, excluded):
            daily[day][(name, split)] = dict(zip(source.names, map(float, values), strict=True))
    return daily


def _disjoint(windows: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Merge overlapping windows, so agent seconds in two of them are taken out once."""
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(windows):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _subtract(day: Sums, gone: Sums) -> Sums:
    """Return a day's sums less the excluded part, component by component."""
    return {
        key: {name: value - gone.get(key, {}).get(name, 0.0) for name, value in values.items()}
        for key, values in day.items()
    }


def annotate(
    body: dict[str, Any],
    measured_actuals: Mapping[str, float | None],
    measured: dict[str, Any],
    exclusions: Sequence[Exclusion],
    calls: Mapping[int, int],
    scope: Scope,
) -> dict[str, Any]:
    """Add the measured figures beside the scored ones, and the exclusions applied.

    Each target gets `actual_measured` and `excluded` (its exclusions changed its value);
    the report `measured` (score,
    coefficient and amount before exclusions) and `exclusions`, times in the client's zone.
    """
    for target in body["targets"]:
        target["actual_measured"] = measured_actuals[target["kpi"]]
        target["excluded"] = target["actual"] != target["actual_measured"]
    zone = scope.timezone
    body["measured"] = measured
    body["exclusions"] = [
        {
            "dispute": e.dispute,
            "kpi": e.kpi,
            "from": e.start.astimezone(zone).isoformat() if e.start else None,
            "to": e.end.astimezone(zone).isoformat() if e.end else None,
            "call_ids": list(e.call_ids),
            "calls": calls[e.dispute],
            "reason": e.reason,
            "agreed_at": e.agreed_at.astimezone(zone).isoformat(timespec="seconds"),
            "agreed_by": e.agreed_by,
        }
        for e in exclusions
    ]
    return body
