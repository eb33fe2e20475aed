"""What a scorecard row adds to the SLA report: contacts handled and the common-formula KPIs.

Read with the KPI engine's stats reader over the contract's queues, its vendor's records and
its days, like the report itself (`app.contracts.service`): the calls the vendor's feed sent
that were handled, and the tickets it sent that were resolved; the call KPIs under one
formula for every vendor (`COMMON_SL_FORMULA`, DESIGN §7's default), so vendors whose
contracts measure service level differently can still be compared. Each queue keeps its own
SL threshold.
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.contracts.actuals import add
from app.contracts.periods import Period, day_starts, days
from app.contracts.repository import ContractRow
from app.core.db import driver_connection
from app.core.vocabulary import DEFAULT_SL_FORMULA
from app.kpi import queries
from app.kpi.definitions import evaluate
from app.kpi.sources import NO_DATA, SOURCES

COMMON_SL_FORMULA = DEFAULT_SL_FORMULA
COMMON_KPIS = ("service_level", "abandon_rate", "asa_s", "aht_s")
VOLUME_BASIS = (
    "calls the vendor's feed sent on the contract's queues, handled"
    " + tickets it sent on those queues, resolved, in the period"
)


@dataclass(frozen=True)
class Volumes:
    """A contract's handled contacts over a period and its call KPIs under the common formula."""

    calls: int
    tickets: int
    common: dict[str, float | None]


def volumes(session: Session, client_id: int, row: ContractRow, period: Period) -> Volumes:
    """Return the contract's handled calls and resolved tickets, and the common-formula KPIs."""
    pg = driver_connection(session)
    grouping = queries.PeriodDays(days(period), day_starts(period), period.end)
    within = queries.StatsScope(client_id, [q.id for q in row.queues], row.contract.vendor_id)
    calls_source, tickets_source = SOURCES["calls"], SOURCES["tickets"]
    call_rows = queries.sum_components(pg, calls_source, calls_source.names, grouping, within)
    calls = add(dict(zip(calls_source.names, values, strict=True)) for _, _, *values in call_rows)
    ticket_rows = queries.sum_components(
        pg, tickets_source, ("tickets_resolved",), grouping, within
    )
    resolved = sum(values[0] for _, _, *values in ticket_rows)
    return Volumes(
        int(calls.get("handled", 0)),
        int(resolved),
        evaluate(COMMON_KPIS, NO_DATA | calls, COMMON_SL_FORMULA),
    )
