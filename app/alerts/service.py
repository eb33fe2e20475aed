"""Evaluate every rule on every queue, run the lifecycle, notify; list and answer alerts.

Responders (API keys, wallboard users) see alerts on the queues their key may see; they
acknowledge an open alert (确认) or resolve one by hand; a resolved alert stays resolved.
"""

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import Connection
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.access.scope import own_vendor, visible_queue_ids
from app.alerts import notifiers, readings, repository
from app.alerts.apply import apply_alerts, default_rules
from app.alerts.config import PROJECTED_METRICS
from app.alerts.evaluator import Action, ActiveAlert, Reading, decide
from app.audit import service as audit
from app.core import locks
from app.core.config import Settings
from app.core.db import Database, driver_connection, in_background
from app.core.errors import AppError, NotFound
from app.core.metrics import count_delivery, count_evaluations
from app.kpi.targets import Bound, queue_targets
from app.models import Alert, AlertDelivery, AlertRule, Client, Notifier, Queue
from app.models.alerts import ALERT_STATES


@dataclass(frozen=True)
class Notice:
    """A notification to send once the evaluation has committed."""

    message: notifiers.AlertMessage
    notify: tuple[str, ...]
    client_id: int


@dataclass(frozen=True)
class Check:
    """A rule to evaluate on one queue, against this threshold."""

    rule: AlertRule
    queue: Queue
    client: Client
    threshold: float


CLIENTS_PER_CLAIM = 50  # clients evaluated in one transaction (their readings read together)
AUTO_RESOLVED_BY = "auto: back to normal"
NOTIFIED = frozenset({Action.OPEN, Action.ESCALATE, Action.RESOLVE})  # the moves notices tell


def evaluate_all(
    database: Database,
    settings: Settings,
    now: datetime | None = None,
    client_id: int | None = None,
    projections: readings.Projections | None = None,
) -> list[Notice]:
    """Evaluate every rule on its queues (of one client, or all), move alerts through their
    lifecycle, then notify. Run every `CALLPULSE_ALERTS_EVERY_S` by the scheduler.

    Clients are claimed in batches, each client by its own advisory lock (`try_lock`):
    several workers split the clients, none evaluates a client another is evaluating, and a
    transition is committed (then notified) by the one worker that made it. Rules on a
    projected metric read `projections` (made once per batch); without it they are not
    evaluated. Every rule's window is read for all the batch's queues at once
    (`readings.read_all`); the alerts opened, and those moved, are written together."""
    now = now or datetime.now(UTC)
    with database.session_scope() as session:
        if locks.try_lock(driver_connection(session), locks.Lock.ALERT_RULES):
            apply_alerts(session, [], default_rules(settings), Counter(), only_missing=True)
        query = select(Client.id).order_by(Client.id)
        if client_id is not None:
            query = query.where(Client.id == client_id)
        client_ids = list(session.scalars(query))
    notices: list[Notice] = []
    for at in range(0, len(client_ids), CLIENTS_PER_CLAIM):
        batch = client_ids[at : at + CLIENTS_PER_CLAIM]
        notices += _evaluate_clients(database, settings, batch, now, projections)
    return notices


def _evaluate_clients(
    database: Database,
    settings: Settings,
    client_ids: list[int],
    now: datetime,
    projections: readings.Projections | None,
) -> list[Notice]:
    """Evaluate the clients of the batch no other worker holds, commit, then notify."""
    with database.session_scope() as session:
        pg = driver_connection(session)
        claimed = [c for c in client_ids if locks.try_lock(pg, locks.Lock.ALERTS, c)]
        if not claimed:
            return []
        in_background(pg)
        query = select(Queue, Client).join(Client, Client.id == Queue.client_id)
        queues = [(q, c) for q, c in session.execute(query.where(Client.id.in_(claimed)))]
        rules = list(session.scalars(select(AlertRule).order_by(AlertRule.id)))
        checks = _checks(rules, queues, settings, projections is not None)
        projected = projections(session, now) if projections else None
        values = _readings(pg, checks, projected, now, settings)
        active = {(a.rule_id, a.queue_id): a for a in repository.active_alerts(pg, claimed)}
        decided = []
        for check, reading in zip(checks, values, strict=True):
            alert = active.get((check.rule.id, check.queue.id))
            action = _decide(check, alert, reading, now)
            decided.append((check, action, alert, reading.value))
        for action_name, count in Counter(action.value for _, action, _, _ in decided).items():
            count_evaluations(action_name, count)
        moved = _write(pg, decided, now)
        notices = [
            Notice(_message(alert, action.value, c), tuple(c.rule.notify), c.client.id)
            for c, action, alert in moved
        ]
    send(database, notices)
    return notices


def _checks(
    rules: list[AlertRule], queues: list[tuple[Queue, Client]], settings: Settings, projected: bool
) -> list[Check]:
    """Return each rule on each of its queues that has a threshold for it; rules on a
    projected metric only where projections are handed in."""
    checks = []
    targets = {queue.id: queue_targets(queue.targets, settings) for queue, _ in queues}
    for rule in rules:
        if rule.metric in PROJECTED_METRICS and not projected:
            continue  # evaluated where the scheduler hands projections
        watched = None if rule.queue_ids is None else set(rule.queue_ids)
        for queue, client in queues:
            if watched is not None and queue.id not in watched:
                continue
            threshold = _threshold(rule, targets[queue.id])
            if threshold is not None:  # else it follows a target this queue does not set
                checks.append(Check(rule, queue, client, threshold))
    return checks


def _readings(
    pg: Connection,
    checks: list[Check],
    projected: readings.Projection | None,
    now: datetime,
    settings: Settings,
) -> list[Reading]:
    """Return each check's reading: projected metrics from `projected`, the others read
    together from the raw data."""
    asks = [
        readings.Ask(
            c.rule.metric,
            timedelta(minutes=c.rule.window_min),
            c.client.id,
            c.queue.id,
            c.queue.sl_formula,
        )
        for c in checks
        if c.rule.metric not in PROJECTED_METRICS
    ]
    read = iter(
        readings.read_all(pg, asks, now, settings.waiting_horizon_s, settings.default_aht_s)
    )
    return [
        Reading(*projected.reading(c.client.id, c.queue.id, c.rule.metric))
        if projected is not None and c.rule.metric in PROJECTED_METRICS
        else next(read)
        for c in checks
    ]


def _decide(
    check: Check, alert: repository.Active | None, reading: Reading, now: datetime
) -> Action:
    """Return what the reading means for the check's alert (if one is active)."""
    state = ActiveAlert(alert.state, alert.opened_at, alert.escalated_at) if alert else None
    rule = check.rule
    ack_within = timedelta(minutes=rule.ack_within_min)
    return decide(rule.op, check.threshold, rule.min_volume, ack_within, reading, state, now)


def _write(
    pg: Connection,
    decided: list[tuple[Check, Action, repository.Active | None, float | None]],
    now: datetime,
) -> list[tuple[Check, Action, repository.Active]]:
    """Open, update, escalate and resolve the checks' alerts (each kind of write in one
    statement); return the alerts opened, escalated or resolved, as they now stand."""
    openings = [
        repository.Opening(c.client.id, c.rule.id, c.queue.id, value, c.threshold)
        for c, action, _, value in decided
        if action is Action.OPEN and value is not None  # a breach has a value
    ]
    ids = repository.open_alerts(pg, openings, now)
    moved: list[tuple[Check, Action, repository.Active]] = []
    changed = []
    for check, action, alert, value in decided:
        if action is Action.OPEN and value is not None:
            key = (check.rule.id, check.queue.id)
            alert = repository.Active(
                check.client.id, ids[key], *key, "open", now, None, value, check.threshold
            )
        elif alert is not None:
            after = _moved(alert, action, value, now)
            if after != alert:  # unchanged: nothing to write
                changed.append(after)
            alert = after
        if alert is not None and action in NOTIFIED:
            moved.append((check, action, alert))
    repository.move_alerts(pg, changed, now, AUTO_RESOLVED_BY)
    return moved


def _moved(
    alert: repository.Active, action: Action, value: float | None, now: datetime
) -> repository.Active:
    """Return the alert with its latest value, escalated or resolved as the action says."""
    if value is not None and value != alert.last_value:
        alert = replace(alert, last_value=value)
    if action is Action.ESCALATE:
        return replace(alert, escalated_at=now)
    if action is Action.RESOLVE:
        return replace(alert, state="resolved")
    return alert


def _threshold(rule: AlertRule, targets: dict[str, Bound]) -> float | None:
    """Return the rule's threshold on a queue: its own, or the queue's target."""
    if rule.threshold is not None:
        return rule.threshold
    target = targets.get(rule.metric)
    return target.threshold(rule.op) if target else None


def _message(alert: repository.Active, event: str, check: Check) -> notifiers.AlertMessage:
    """Say what happened, with the opening time in the client's timezone."""
    rule, client = check.rule, check.client
    return notifiers.AlertMessage(
        alert_id=alert.id,
        event=event,
        state=alert.state,
        rule=rule.name,
        severity=rule.severity,
        client=client.code,
        queue=check.queue.code,
        metric=rule.metric,
        op=rule.op,
        value=alert.last_value,
        threshold=alert.threshold,
        opened_at=alert.opened_at.astimezone(ZoneInfo(client.timezone)).isoformat(),
    )


def send(database: Database, notices: list[Notice]) -> None:
    """Deliver each notice to its notifiers and log every attempt."""
    if not notices:
        return
    with database.session_scope() as session:
        by_name = {n.name: n for n in session.scalars(select(Notifier))}
    for notice in notices:
        for name in notice.notify:
            notifier = by_name.get(name)
            if notifier is None:
                continue
            attempts = notifiers.deliver(
                notifier.type, notifier.url, notifier.secret, notifier.options, notice.message
            )
            count_delivery(notifier.type, attempts[-1].ok)
            with database.session_scope() as session:
                session.add_all(
                    AlertDelivery(
                        client_id=notice.client_id,
                        alert_id=notice.message.alert_id,
                        notifier_id=notifier.id,
                        event=notice.message.event,
                        attempt=a.attempt,
                        ok=a.ok,
                        status_code=a.status_code,
                        error=a.error,
                    )
                    for a in attempts
                )


def list_alerts(
    session: Session, principal: Principal, state: str | None = None, queue: str | None = None
) -> list[dict[str, Any]]:
    """List alerts on the queues the principal may see, newest first: one state, one queue."""
    if state and state not in ALERT_STATES:
        raise AppError("state: use open, acknowledged or resolved")
    return _answers(session, principal, state=state or None, queue_code=queue or None)


def active_alerts(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """List the alerts not yet resolved on the queues the principal may see, newest first."""
    return _answers(session, principal, active=True)


def alerts_opened(
    session: Session,
    principal: Principal,
    queue_ids: Collection[int],
    start: datetime,
    end: datetime,
) -> list[dict[str, Any]]:
    """List the alerts opened in `[start, end)` on these queues (those the principal may see)."""
    return _answers(session, principal, queue_ids=queue_ids, opened_from=start, opened_before=end)


def acknowledge(session: Session, principal: Principal, alert_id: int) -> dict[str, Any]:
    """Acknowledge an open alert as the principal; an acknowledged one stays as it is."""
    return _change(session, principal, alert_id, "acknowledged")


def acknowledge_if_open(session: Session, principal: Principal, alert_id: int) -> None:
    """Acknowledge the alert as `acknowledge` does if it is still open, else do nothing.

    A wallboard click may race the alert's own resolution, or a second click: no error on a TV.
    """
    alert = repository.alert_by_id(session, alert_id)
    if alert is not None and alert.state == "open":
        acknowledge(session, principal, alert_id)


def resolve(session: Session, principal: Principal, alert_id: int) -> dict[str, Any]:
    """Resolve an alert by hand as the principal (acknowledging it too, if nobody had)."""
    return _change(session, principal, alert_id, "resolved")


def _change(session: Session, principal: Principal, alert_id: int, to: str) -> dict[str, Any]:
    """Move an alert the principal may see to `to`; 404 if unseen, 409 if already resolved."""
    alert = repository.alert_by_id(session, alert_id)
    if alert is None or alert.queue_id not in visible_queue_ids(session, principal):
        raise NotFound(f"unknown alert {alert_id}")
    actor = audit.actor_of(session, principal)
    now = datetime.now(UTC)
    if alert.state == "resolved":
        raise AppError(f"alert {alert_id} is already resolved", 409)
    before = alert.state
    if to == "acknowledged" and alert.state == "open":
        alert.state, alert.acknowledged_at, alert.acknowledged_by = to, now, actor.name
    elif to == "resolved":
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by = now, actor.name
        alert.state, alert.resolved_at, alert.resolved_by = to, now, actor.name
    session.flush()
    answer = _answers(session, principal, alert_id=alert_id)[0]
    if alert.state != before:
        audit.record(
            session,
            actor,
            f"alert.{to}",
            f"alert {alert_id}: {answer['rule']} on {answer['queue']}",
            client_id=alert.client_id,
            vendor_id=own_vendor(principal),
            before={"state": before},
            after={"state": alert.state},
        )
    return answer


def _answers(session: Session, principal: Principal, **narrow: Any) -> list[dict[str, Any]]:
    """Return alerts as the API answers them, times in each client's timezone."""
    rows = repository.alert_rows(session, visible_queue_ids(session, principal), **narrow)
    return [_answer(alert, rule, queue, client) for alert, rule, queue, client in rows]


def _answer(alert: Alert, rule: AlertRule, queue: Queue, client: Client) -> dict[str, Any]:
    zone = ZoneInfo(client.timezone)

    def local(moment: datetime | None) -> str | None:
        return moment.astimezone(zone).isoformat() if moment else None

    return {
        "id": alert.id,
        "state": alert.state,
        "rule": rule.name,
        "severity": rule.severity,
        "client": client.code,
        "queue": queue.code,
        "metric": rule.metric,
        "op": rule.op,
        "value": alert.last_value,
        "opened_value": alert.value,
        "threshold": alert.threshold,
        "opened_at": local(alert.opened_at),
        "acknowledged_at": local(alert.acknowledged_at),
        "acknowledged_by": alert.acknowledged_by,
        "resolved_at": local(alert.resolved_at),
        "resolved_by": alert.resolved_by,
        "escalated_at": local(alert.escalated_at),
        "response_s": (alert.acknowledged_at - alert.opened_at).total_seconds()
        if alert.acknowledged_at
        else None,
    }
