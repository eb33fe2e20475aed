"""What a listed call or ticket is, as SQL over the KPI catalogue's own row predicates.

Every outcome of a call is the row predicate of the component that counts it
(`app.kpi.sources.CALLS`), so `outcome=abandoned` lists exactly the calls the `abandoned`
component counts; `waiting` is what the live view counts as waiting now. A row's own
`outcome` is the first that holds, in the order below: an answered call still talking is
`in_progress` (and is listed under `outcome=answered` too, as the component counts it).
"""

from functools import partial

from app.core.vocabulary import SL_FORMULA_NAMES
from app.evidence.verdicts import verdict_sql
from app.kpi.definitions import (
    callback_timeliness,
    service_level,
    ticket_frt_sla,
    ticket_resolution_sla,
)
from app.kpi.sources import (
    CALL_LOST_SQL,
    CALL_OPEN_SQL,
    CALL_WAITING_SQL,
    CALLBACKS,
    CALLS,
    TICKETS,
)


def _counted(name: str) -> str:
    predicate = CALLS.components[name].counts
    assert predicate is not None, name
    return f"({predicate})"


_ANSWERED = _counted("answered")
CALL_OUTCOMES = {
    "in_progress": f"{_ANSWERED} AND NOT f.handled",
    "answered": _ANSWERED,
    "short_abandoned": _counted("short_abandoned"),
    "abandoned": _counted("abandoned"),
    "overflowed": _counted("overflowed"),
    "blocked": _counted("blocked"),
    "callback": _counted("callbacks"),
    "waiting": f"{CALL_OPEN_SQL} AND {CALL_WAITING_SQL}",
    "lost": f"{CALL_OPEN_SQL} AND {CALL_LOST_SQL}",
    "outbound": "NOT f.inbound",
}
"""Outcome → the calls it lists (aliases of `CALL_ROWS_SQL`; %(horizon)s the waiting
horizon). `lost`: neither answered nor ended past the horizon (its end never arrived)."""
OTHER_OUTCOME = "other"  # ended unanswered with exit_reason `answered`: a feed's contradiction

CALL_OUTCOME_SQL = (
    "CASE "
    + " ".join(f"WHEN {p} THEN '{name}'" for name, p in CALL_OUTCOMES.items())
    + f" ELSE '{OTHER_OUTCOME}' END"
)

SL_MET_SQL = (
    "CASE q.sl_formula "
    + " ".join(
        f"WHEN '{formula}' THEN {verdict_sql(partial(service_level, formula=formula), CALLS)}"
        for formula in SL_FORMULA_NAMES
    )
    + " END"
)
"""A call's service-level verdict under its queue's formula: NULL when not in the
denominator (a short abandon, a blocked call, an abandon within T under ignore_abandoned)."""

CALLBACK_MET_SQL = verdict_sql(callback_timeliness, CALLBACKS)
"""A callback request's verdict: called back by its deadline (true), due and not (false),
NULL while pending or not a request; reads the link (`CALLBACK_LINK_SQL`) joined."""

# The wait so far of a call still waiting; else the wait to answer or to giving up.
CALL_WAIT_SQL = (
    f"CASE WHEN {CALL_OUTCOMES['waiting']} THEN extract(epoch FROM now() - c.offered_at)"
    " ELSE f.wait_s END"
)

FRT_MET_SQL = verdict_sql(ticket_frt_sla, TICKETS)
RESOLUTION_MET_SQL = verdict_sql(ticket_resolution_sla, TICKETS)
TICKET_OPEN_SQL = TICKETS.components["tickets_open"].counts or ""
