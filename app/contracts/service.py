"""The SLA report of a client's contract over a period (DESIGN §10): targets, score, amount.

Read from stats only, per local day of the client's timezone (`queries.PeriodDays`: calls and
agents from day stats, tickets from interval stats and alerts from alerts, each row put in its
local day by `width_bucket` over the days' UTC starts, so no row needs a timezone conversion):
- call and ticket KPIs over the records the contract's vendor sent for the contract's queues
  (on a queue several vendors serve, each is scored on its own calls: those `/v1/calls`
  lists for it);
- agent KPIs and logged-in hours over the contract vendor's agents for that client;
- ticket KPIs by channel (`ticket_frt_sla.email`) or over all channels;
- alert response time over alerts opened on the contract's queues in the period, those never
  acknowledged included (and listed by name: queue, rule, opened at, how long unacknowledged);
- measures (KPIs measured outside the ACD) as the vendor submitted and the client confirmed
  them (`app.contracts.submitted`).
The billed quantity: per_seat, seats × the period in months (a monthly seat price prorated
by day); per_workload, the vendor's handled calls of the contract's queues, not tickets;
per_hour, the vendor's agents' logged-in hours.
"""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.access.scope import FeedQueue, FeedScope, Scope, client_scope
from app.contracts import exclusions, repository
from app.contracts.actuals import actuals, components, merge, needed_sources
from app.contracts.config import ContractSpec
from app.contracts.outlook import extend
from app.contracts.periods import FORMS, Period, clip, day_starts, days, months, parse_period
from app.contracts.report import money, number, report
from app.contracts.repository import ContractRow
from app.contracts.scoring import evaluate_contract, quantity_for
from app.contracts.submitted import submitted
from app.core.config import Settings, get_settings
from app.core.db import driver_connection
from app.core.errors import AppError, NotFound
from app.kpi import queries
from app.kpi.definitions import logged_in_s
from app.kpi.sources import NO_DATA, SOURCES
from app.quality.service import period_quality

UNACKNOWLEDGED_LISTED = 500  # alerts listed by name; `alerts.unacknowledged` counts them all


def sla_report(
    session: Session,
    principal: Principal,
    client_code: str,
    period: str,
    contract: str | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Return the SLA report of the client's contract in force in `period`, as JSON data.

    A vendor's key (or a supervisor's with a vendor) sees only its vendor's contracts. With
    several contracts in force, `contract` names the one to report. `settings` (default:
    the process's) give the interval and waiting horizon of the feed-quality section.
    """
    settings = settings or get_settings()
    scope = client_scope(session, principal, client_code)
    requested = _period(period, scope)
    in_force = repository.contracts_in_force(
        session, scope.client_id, requested.start.date(), days(requested)[-1], scope.vendor_id
    )
    chosen = _choose(in_force, contract, client_code, period)
    stored, spec = chosen.contract, _spec(chosen, client_code)
    measured = clip(requested, stored.valid_from, stored.valid_to)
    assert measured is not None  # in force on at least one day of the period
    contract_scope = Scope(
        scope.client_id, client_code, scope.timezone, chosen.queues, stored.vendor_id
    )
    sources = needed_sources(spec.targets, spec.billing.model)
    daily = _daily_sums(session, contract_scope, measured, sources)
    total = merge(daily)
    agreed = exclusions.agreed(session, stored.id, measured)
    reading = exclusions.read(
        session,
        contract_scope,
        measured,
        daily,
        spec.targets,
        agreed,
        sources,
        interval_minutes=settings.interval_minutes,
        stale_s=settings.agent_stale_after_s,
    )
    quantity = quantity_for(
        spec.billing,
        handled=int(components(total, "calls").get("handled", 0)),
        logged_in_s=logged_in_s(NO_DATA | components(total, "agents")),
        months=months(measured),
    )
    formula = contract_scope.sl_formula
    measures = submitted(session, spec.targets, scope.client_id, stored.vendor_id, measured)
    confirmed = {key: measure.actual for key, measure in measures.items()}
    measured_actuals = actuals(spec.targets, total, formula, spec.qa_bases) | confirmed
    result = evaluate_contract(
        spec,
        exclusions.target_actuals(
            spec.targets, exclusions.period_sums(reading), formula, spec.qa_bases
        )
        | confirmed,
        quantity,
    )
    as_measured = evaluate_contract(spec, measured_actuals, quantity)
    feed = FeedScope(
        scope.client_id,
        client_code,
        scope.timezone,
        stored.vendor_id,
        chosen.vendor_code,
        tuple(FeedQueue(q.id, q.code, q.hours) for q in chosen.queues),
    )
    body = report(
        spec,
        result,
        contract_scope,
        client_name=repository.client_name(session, scope.client_id),
        period=measured,
        contracts=[row.contract.code for row in in_force],
        daily=[
            {"date": day.isoformat()}
            | exclusions.target_actuals(
                spec.targets, exclusions.day_sums(reading, index), formula, spec.qa_bases
            )
            for index, day in enumerate(days(measured))
        ],
        alerts=components(total, "alerts"),
        unacknowledged=repository.unacknowledged_alerts(
            driver_connection(session),
            client_id=scope.client_id,
            queue_ids=[q.id for q in chosen.queues],
            start=measured.start,
            end=measured.end,
            limit=UNACKNOWLEDGED_LISTED,
        ),
        submitted=measures,
        as_of=datetime.now(scope.timezone),
        contract_updated_at=stored.updated_at,
        feed_quality=period_quality(
            driver_connection(session),
            feed,
            measured.start.date(),
            measured.end.date(),
            interval_minutes=settings.interval_minutes,
            horizon_s=settings.waiting_horizon_s,
        ),
    )
    annotated = exclusions.annotate(
        body,
        measured_actuals,
        {
            "score": number(as_measured.score),
            "coefficient": number(as_measured.amount.coefficient),
            "amount_total": money(as_measured.amount.total),
        },
        agreed,
        reading.calls,
        contract_scope,
    )
    return extend(annotated, spec, result, daily, measured)


def _spec(row: ContractRow, client_code: str) -> ContractSpec:
    """Rebuild the contract's spec as applied (targets back in their YAML order)."""
    stored = row.contract
    return ContractSpec.model_validate(
        {
            "code": stored.code,
            "client": client_code,
            "vendor": row.vendor_code,
            "queues": [q.code for q in row.queues],
            "valid_from": stored.valid_from,
            "valid_to": stored.valid_to,
            "targets": {
                t["kpi"]: {k: v for k, v in t.items() if k != "kpi"} for t in stored.targets
            },
            "billing": stored.billing,
        }
    )


def _period(value: str, scope: Scope) -> Period:
    try:
        return parse_period(value, scope.timezone)
    except ValueError as exc:
        raise AppError(str(exc) if str(exc).startswith("period:") else f"period: {FORMS}") from exc


def _choose(in_force: list[ContractRow], code: str | None, client: str, period: str) -> ContractRow:
    """Return the contract to report: the one named, or the only one in force."""
    codes = [row.contract.code for row in in_force]
    if code is not None:
        for row in in_force:
            if row.contract.code == code:
                return row
        choices = f" (in force: {', '.join(codes)})" if codes else ""
        raise NotFound(f"contract: no contract {code!r} of client {client!r} in {period}{choices}")
    if not in_force:
        raise NotFound(
            f"client {client!r} has no contract in force in {period}: add one under `contracts:`"
            " in the tenancy YAML and run `callpulse apply`, or pick another period"
        )
    if len(in_force) > 1:
        raise AppError(
            f"contract: client {client!r} has {len(codes)} contracts in force in {period}"
            f" ({', '.join(codes)}); add ?contract=CODE to pick one"
        )
    return in_force[0]


def _daily_sums(
    session: Session, scope: Scope, period: Period, sources: set[str]
) -> list[dict[tuple[str, Any], dict[str, float]]]:
    """Return, for each day of the period, the sources' components keyed (source, split)."""
    starts = day_starts(period)
    daily: list[dict[tuple[str, Any], dict[str, float]]] = [{} for _ in starts]
    pg = driver_connection(session)
    assert scope.vendor_id is not None
    grouping = queries.PeriodDays(days(period), starts, period.end)
    within = queries.StatsScope(scope.client_id, [q.id for q in scope.queues], scope.vendor_id)
    for source in sorted(sources):
        names = SOURCES[source].names
        for day, split, *values in queries.sum_components(
            pg,
            SOURCES[source],
            names,
            grouping,
            within,
            split="channel" if source == "tickets" else None,
        ):
            daily[day][(source, split)] = dict(zip(names, values, strict=True))
    return daily
