"""Forecasts (话务预测): offered calls, AHT and required agents planned per queue and interval.

One row per queue, source and stats interval (`Settings.interval_minutes`): a WFM tool's
forecast arrives by `POST /v1/forecasts` under its own `source` name; CallPulse's own
forecast, for queues without one, is stored under the source `callpulse`. A later post of
the same key replaces the row, so a re-forecast is idempotent.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, Double, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at_column

OWN_FORECAST_SOURCE = "callpulse"
"""The `source` of CallPulse's own forecast; a WFM feed may not post under it."""


class Forecast(Base):
    """The forecast of one queue's interval `[interval_start, + interval)` by one source."""

    __tablename__ = "forecasts"
    __table_args__ = (
        CheckConstraint("offered >= 0", name="offered"),
        CheckConstraint("aht_s IS NULL OR aht_s > 0", name="aht_s"),
        CheckConstraint("required_agents IS NULL OR required_agents >= 0", name="required_agents"),
        Index("ix_forecasts_client_interval", "client_id", "interval_start"),
    )

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    interval_start: Mapped[datetime] = mapped_column(primary_key=True)
    offered: Mapped[float] = mapped_column(Double)
    aht_s: Mapped[float | None] = mapped_column(Double)
    required_agents: Mapped[float | None] = mapped_column(Double)
    received_at: Mapped[datetime] = created_at_column()
