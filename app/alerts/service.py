"""Apply alert config, evaluate every rule on every queue, run the lifecycle, notify."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts import notifiers, readings
from app.alerts.config import AlertRuleSpec, NotifierSpec
from app.alerts.evaluator import Action, ActiveAlert, decide
from app.core import locks
from app.core.config import Settings
from app.core.db import Database, driver_connection
from app.core.errors import ConfigError
from app.core.metrics import count_delivery, count_evaluation
from app.models import Alert, AlertDelivery, AlertRule, Client, Notifier, Queue
from app.tenancy.targets import queue_targets


def default_rules(settings: Settings) -> list[AlertRuleSpec]:
    """Rules every queue gets until a file overrides them by name.

    Service level and abandon rate follow each queue's own targets (`queues[].targets`,
    else `CALLPULSE_DEFAULT_SL_TARGET` / `CALLPULSE_DEFAULT_ABANDON_RATE_MAX`).
    """
    return [
        AlertRuleSpec(
            name="default-sl-drop",
            metric="service_level",
            window_min=10,
            op="<",
            threshold="target",
            min_volume=10,
            severity="critical",
        ),
        AlertRuleSpec(
            name="default-abandon-rate",
            metric="abandon_rate",
            window_min=10,
            op=">",
            threshold="target",
            min_volume=10,
            severity="warning",
        ),
        AlertRuleSpec(
            name="default-surge",
            metric="surge",
            window_min=10,
            op=">",
            threshold=1.5,
            min_volume=10,
            severity="warning",
        ),
    ]


def apply_alerts(
    session: Session,
    notifier_specs: list[NotifierSpec],
    rule_specs: list[AlertRuleSpec],
    counts: Counter[str],
    *,
    only_missing: bool = False,
) -> None:
    """Create or update notifiers and rules by name (rules name their queues by code)."""
    existing = {n.name: n for n in session.scalars(select(Notifier))}
    for notifier_spec in notifier_specs:
        notifier = existing.get(notifier_spec.name) or Notifier(name=notifier_spec.name)
        counts["notifiers created" if notifier.id is None else "notifiers applied"] += 1
        notifier.type, notifier.url, notifier.secret = (
            notifier_spec.type,
            notifier_spec.url,
            notifier_spec.secret,
        )
        notifier.options = {
            "to": notifier_spec.to,
            "smtp_host": notifier_spec.smtp_host,
            "smtp_port": notifier_spec.smtp_port,
            "sender": notifier_spec.sender,
        }
        session.add(notifier)
        existing[notifier_spec.name] = notifier
    queues: dict[str, int] = {
        code: id_ for code, id_ in session.execute(select(Queue.code, Queue.id))
    }
    rules = {r.name: r for r in session.scalars(select(AlertRule))}
    for i, spec in enumerate(rule_specs):
        if only_missing and spec.name in rules:
            continue
        where = f"alert_rules[{i}] ({spec.name})"
        unknown = [code for code in spec.queues or [] if code not in queues]
        if unknown:
            raise ConfigError(f"{where}.queues: unknown queue(s) {', '.join(unknown)}")
        missing = [name for name in spec.notify if name not in existing]
        if missing:
            raise ConfigError(f"{where}.notify: unknown notifier(s) {', '.join(missing)}")
        rule = rules.get(spec.name) or AlertRule(name=spec.name)
        counts["alert rules created" if rule.id is None else "alert rules applied"] += 1
        rule.queue_ids = [queues[c] for c in spec.queues] if spec.queues else None
        rule.threshold = None if spec.threshold == "target" else spec.threshold
        for field in (
            "metric",
            "window_min",
            "op",
            "min_volume",
            "severity",
            "ack_within_min",
            "notify",
        ):
            setattr(rule, field, getattr(spec, field))
        session.add(rule)
    session.flush()


@dataclass(frozen=True)
class Notice:
    """A notification to send once the evaluation has committed."""

    message: notifiers.AlertMessage
    notify: tuple[str, ...]


def evaluate_all(
    database: Database,
    settings: Settings,
    now: datetime | None = None,
    client_id: int | None = None,
) -> list[Notice]:
    """Evaluate every rule on its queues (of one client, or all), move alerts through their
    lifecycle, then notify. Run every `CALLPULSE_ALERTS_EVERY_S` by the scheduler."""
    now = now or datetime.now(UTC)
    notices: list[Notice] = []
    with database.session_scope() as session:
        pg = driver_connection(session)
        if not locks.try_lock(pg, locks.Lock.ALERTS):
            return []
        apply_alerts(session, [], default_rules(settings), Counter(), only_missing=True)
        query = select(Queue, Client).join(Client, Client.id == Queue.client_id)
        if client_id is not None:
            query = query.where(Client.id == client_id)
        queues = session.execute(query).all()
        active = {
            (a.rule_id, a.queue_id): a
            for a in session.scalars(select(Alert).where(Alert.state != "resolved"))
        }
        for rule in session.scalars(select(AlertRule).order_by(AlertRule.id)):
            for queue, client in queues:
                if rule.queue_ids is not None and queue.id not in rule.queue_ids:
                    continue
                threshold = _threshold(rule, queue, settings)
                if threshold is None:
                    continue  # follows a target this queue does not set
                reading = readings.read(
                    pg,
                    rule.metric,
                    timedelta(minutes=rule.window_min),
                    client.id,
                    queue.id,
                    queue.sl_formula,
                    now,
                    settings.waiting_horizon_s,
                    settings.default_aht_s,
                )
                alert = active.get((rule.id, queue.id))
                state = (
                    ActiveAlert(alert.state, alert.opened_at, alert.escalated_at) if alert else None
                )
                action = decide(
                    rule.op,
                    threshold,
                    rule.min_volume,
                    timedelta(minutes=rule.ack_within_min),
                    reading,
                    state,
                    now,
                )
                count_evaluation(action.value)
                alert = _apply(
                    session, action, alert, rule, client, queue, reading.value, threshold, now
                )
                if alert is not None and action in (Action.OPEN, Action.ESCALATE, Action.RESOLVE):
                    notices.append(
                        Notice(
                            _message(alert, action.value, rule, client, queue.code),
                            tuple(rule.notify),
                        )
                    )
    send(database, notices)
    return notices


def _apply(
    session: Session,
    action: Action,
    alert: Alert | None,
    rule: AlertRule,
    client: Client,
    queue: Queue,
    value: float | None,
    threshold: float,
    now: datetime,
) -> Alert | None:
    if action is Action.OPEN:
        alert = Alert(
            client_id=client.id,
            queue_id=queue.id,
            rule_id=rule.id,
            state="open",
            value=value,
            last_value=value,
            threshold=threshold,
            opened_at=now,
        )
        session.add(alert)
        session.flush()
        return alert
    if alert is None:
        return None
    if value is not None:
        alert.last_value = value
    if action is Action.ESCALATE:
        alert.escalated_at = now
    elif action is Action.RESOLVE:
        alert.state, alert.resolved_at, alert.resolved_by = "resolved", now, "auto: back to normal"
    return alert


def _threshold(rule: AlertRule, queue: Queue, settings: Settings) -> float | None:
    """Return the rule's threshold on this queue: its own, or the queue's target."""
    if rule.threshold is not None:
        return rule.threshold
    target = queue_targets(queue.targets, settings).get(rule.metric)
    return target.threshold(rule.op) if target else None


def _message(
    alert: Alert, event: str, rule: AlertRule, client: Client, queue: str
) -> notifiers.AlertMessage:
    """Say what happened, with the opening time in the client's timezone."""
    return notifiers.AlertMessage(
        alert_id=alert.id,
        event=event,
        state=alert.state,
        rule=rule.name,
        severity=rule.severity,
        client=client.code,
        queue=queue,
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
