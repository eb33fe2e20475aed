"""The YAML shape of `notifiers:` and `alert_rules:` (DESIGN §9)."""

from typing import Literal

from pydantic import Field, field_validator, model_validator

from app.core.spec import Entry
from app.kpi.definitions import CALL_KPIS

LIVE_METRICS = ("waiting", "longest_wait_s", "surge")
PROJECTED_METRICS = ("projected_amount", "projected_score")
"""The open month's projected end of the contracts covering the queue (money, score): read
through the `readings.Projections` the scheduler hands the engine; the window is ignored."""
QA_RULE_METRICS = ("fatal_accuracy", "non_fatal_accuracy", "qa_score")
"""QA evaluations over the window (by `evaluated_at`); `min_volume` counts evaluations, so
`fatal_accuracy < 1` with `min_volume: 1` fires on the first fatal error found."""
WINDOWED_METRICS = {
    "schedule_adherence": ("scheduled_s", 60),
    "callback_timeliness": ("callbacks_due", 1),
    "forecast_accuracy": ("forecast_actual_offered", 1),
    "aht_forecast_accuracy": ("forecast_actual_offered", 1),
    "staffing_forecast_accuracy": ("forecast_actual_offered", 1),
}
"""KPIs of read-time sources over the window, with the component (÷ a unit) their volume
counts: adherence up to now (scheduled agent-minutes); callback requests made in the window
(those due, so a window longer than the queues' callback_within_min sees the late ones
too); the forecast's ended intervals starting in the window (actual offered calls), so
`forecast_accuracy < 0.7` over 60 minutes fires when the floor is far off its plan."""
RULE_METRICS = (
    tuple(CALL_KPIS) + LIVE_METRICS + PROJECTED_METRICS + QA_RULE_METRICS + tuple(WINDOWED_METRICS)
)


class NotifierSpec(Entry):
    """A notifier: a webhook-style URL (with a signing secret for DingTalk and Feishu) or SMTP."""

    name: str = Field(min_length=1, max_length=64)
    type: Literal["webhook", "slack", "dingtalk", "wecom", "feishu", "email"]
    url: str | None = None
    secret: str | None = None
    to: list[str] = Field(default_factory=list)
    smtp_host: str | None = None
    smtp_port: int = 25
    sender: str = "callpulse@localhost"

    @model_validator(mode="after")
    def _complete(self) -> "NotifierSpec":
        if self.type == "email" and not (self.to and self.smtp_host):
            raise ValueError("an email notifier needs `to` and `smtp_host`")
        if self.type != "email" and not self.url:
            raise ValueError(f"a {self.type} notifier needs `url`")
        return self


class AlertRuleSpec(Entry):
    """A rule: metric over a rolling window, comparator and threshold, volume, severity."""

    name: str = Field(min_length=1, max_length=64)
    queues: list[str] | None = None
    metric: Literal[RULE_METRICS]  # type: ignore[valid-type]
    window_min: int = Field(default=10, gt=0, le=24 * 60)
    op: Literal["<", "<=", ">", ">="]
    threshold: float | Literal["target"] = Field(
        description='a number, or "target": each queue\'s own target for the metric'
    )
    min_volume: int = Field(default=0, ge=0)
    severity: Literal["info", "warning", "critical"] = "warning"
    ack_within_min: int = Field(default=10, gt=0)
    notify: list[str] = Field(default_factory=list)

    @field_validator("metric", mode="before")
    @classmethod
    def _a_rule_metric(cls, metric: object) -> object:
        """Refuse a name rules cannot watch, saying why a measure is not one of them."""
        if isinstance(metric, str) and metric not in RULE_METRICS:
            raise ValueError(
                f"{metric!r} is not a metric alert rules watch (use one of"
                f" {', '.join(RULE_METRICS)}); a measure submitted by the vendor (`measures:`)"
                " cannot be one: it is one value per period, submitted after the period ends"
                " and then confirmed by the client, so it has no rolling window to compare"
            )
        return metric

    @model_validator(mode="after")
    def _projected_needs_a_number(self) -> "AlertRuleSpec":
        if self.metric in PROJECTED_METRICS and self.threshold == "target":
            raise ValueError(
                f"threshold: {self.metric} has no queue target; give a number"
                " (money for projected_amount, points for projected_score)"
            )
        return self
