"""Create or update notifiers and alert rules by name, from the tenancy YAML or the defaults."""

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.config import AlertRuleSpec, NotifierSpec
from app.core.config import Settings
from app.core.errors import ConfigError
from app.models import AlertRule, Notifier, Queue


def default_rules(settings: Settings) -> list[AlertRuleSpec]:
    """Rules every queue gets until a file overrides them by name.

    Service level and abandon rate follow each queue's own targets (`queues[].targets`,
    else `CALLPULSE_DEFAULT_SL_TARGET` / `CALLPULSE_DEFAULT_ABANDON_RATE_MAX`); schedule
    adherence only a queue's own target (no default: not every floor sends schedules).
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
        # Only on queues that set a schedule_adherence target; 60 scheduled agent-minutes
        # (two agents for the half hour) before one agent's late break can fire it.
        AlertRuleSpec(
            name="default-schedule-adherence",
            metric="schedule_adherence",
            window_min=30,
            op="<",
            threshold="target",
            min_volume=60,
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
    rules = {r.name: r for r in session.scalars(select(AlertRule))}
    if only_missing and all(spec.name in rules for spec in rule_specs):
        return  # every pass asks: the queues are read only when a rule is missing
    queues: dict[str, int] = {
        code: id_ for code, id_ in session.execute(select(Queue.code, Queue.id))
    }
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
