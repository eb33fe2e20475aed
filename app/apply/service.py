"""Apply a tenancy file: every section in order, then what the changes mean for the stats."""

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.alerts.apply import apply_alerts
from app.apply.file import TenancyFile
from app.audit.service import Actor, operator
from app.contracts.apply import apply_contracts
from app.core.db import driver_connection
from app.kpi.aggregation import mark_queues_for_rebuild, rebuild_day_stats
from app.measures.apply import apply_measures
from app.tenancy.service import apply_clients, apply_queues, apply_vendors
from ingest.feed_apply import apply_feeds


@dataclass
class Applied:
    """What `apply` changed: counts like `{"queues created": 2}`, and the queues whose
    SL threshold, short-abandon threshold or ticket targets changed (their history must be
    recomputed), and the clients whose timezone changed (their day stats were rebuilt)."""

    counts: Counter[str] = field(default_factory=Counter)
    recompute_queue_ids: list[int] = field(default_factory=list)
    retimed_client_ids: list[int] = field(default_factory=list)


def apply_tenancy(session: Session, spec: TenancyFile, actor: Actor | None = None) -> Applied:
    """Create or update every entry of `spec`, as `actor` (default: the command line's user)."""
    applied = Applied()
    counts = applied.counts
    clients, applied.retimed_client_ids = apply_clients(session, spec.clients, counts)
    vendors = apply_vendors(session, spec.vendors, counts)
    if applied.retimed_client_ids:
        rebuild_day_stats(driver_connection(session), applied.retimed_client_ids)
    actor = actor or operator()
    applied.recompute_queue_ids = apply_queues(
        session, spec.queues, clients, vendors, counts, actor
    )
    apply_measures(session, spec.measures, counts)  # before the contracts whose targets they are
    apply_contracts(session, spec.contracts, clients, vendors, counts, actor)
    apply_feeds(session, spec.feeds, vendors, counts)
    apply_alerts(session, spec.notifiers, spec.alert_rules, counts)
    return applied


def mark_for_recompute(session: Session, applied: Applied, interval_minutes: int) -> int:
    """Mark the history of the queues whose settings changed; return the intervals marked.

    The aggregator (serve or worker) then recomputes them with the new settings.
    """
    return mark_queues_for_rebuild(
        driver_connection(session), interval_minutes, applied.recompute_queue_ids
    )
