"""Alerting: notifiers, rules, the alerts they open, and every delivery attempt."""

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column

NOTIFIER_TYPES = ("webhook", "slack", "dingtalk", "wecom", "feishu", "email")
ALERT_STATES = ("open", "acknowledged", "resolved")
SEVERITIES = ("info", "warning", "critical")
COMPARATORS = ("<", "<=", ">", ">=")


class Notifier(Base):
    """Where alerts go: a webhook URL (with its signing secret) or an SMTP mailbox."""

    __tablename__ = "notifiers"
    __table_args__ = (CheckConstraint(f"type IN {NOTIFIER_TYPES!r}", name="type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(Text, doc="signing secret, needed in clear")
    options: Mapped[dict[str, object]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = created_at_column()


class AlertRule(Base):
    """A threshold on a KPI over a rolling window of raw data, for some or all queues."""

    __tablename__ = "alert_rules"
    __table_args__ = (
        CheckConstraint(f"op IN {COMPARATORS!r}", name="op"),
        CheckConstraint(f"severity IN {SEVERITIES!r}", name="severity"),
        CheckConstraint("window_min > 0 AND ack_within_min > 0", name="positive_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    queue_ids: Mapped[list[int] | None] = mapped_column(ARRAY(Integer), doc="None: every queue")
    metric: Mapped[str] = mapped_column(String(32))
    window_min: Mapped[int] = mapped_column(default=10)
    op: Mapped[str] = mapped_column(String(2))
    threshold: Mapped[float | None] = mapped_column(doc="None: each queue's target for the metric")
    min_volume: Mapped[int] = mapped_column(default=0)
    severity: Mapped[str] = mapped_column(String(8), default="warning")
    ack_within_min: Mapped[int] = mapped_column(default=10)
    notify: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default=text("'{}'"))
    created_at: Mapped[datetime] = created_at_column()


class Alert(Base):
    """One breach of a rule on one queue, from open to acknowledged to resolved."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(f"state IN {ALERT_STATES!r}", name="state"),
        Index(
            "uq_alerts_active",
            "client_id",
            "rule_id",
            "queue_id",
            unique=True,
            postgresql_where=text("state <> 'resolved'"),
        ),
        Index("ix_alerts_client_opened", "client_id", "opened_at"),
    )

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id"))
    state: Mapped[str] = mapped_column(String(16), default="open")
    value: Mapped[float]
    threshold: Mapped[float]
    opened_at: Mapped[datetime] = created_at_column()
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    escalated_at: Mapped[datetime | None]
    last_value: Mapped[float]


class AlertDelivery(Base):
    """One attempt to tell a notifier about an alert: the delivery log."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        ForeignKeyConstraint(["client_id", "alert_id"], ["alerts.client_id", "alerts.id"]),
        Index("ix_alert_deliveries_client_id_alert_id", "client_id", "alert_id"),
    )

    client_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    alert_id: Mapped[int] = mapped_column(BigInteger)
    notifier_id: Mapped[int] = mapped_column(ForeignKey("notifiers.id"))
    event: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int]
    ok: Mapped[bool]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime] = created_at_column()
