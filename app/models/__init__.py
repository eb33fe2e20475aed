"""ORM models; importing this package registers every table on `Base.metadata`."""

from app.models.access import ApiKey, LoginFailure, ShareLink, User
from app.models.alerts import Alert, AlertDelivery, AlertRule, Notifier
from app.models.audit import AuditEntry
from app.models.base import Base
from app.models.closing import ClosedReport, PeriodClose
from app.models.contracts import Contract, ContractQueue
from app.models.disputes import Dispute, DisputeStep
from app.models.facts import AgentStateChange, Call, CallKey, Ticket, TicketKey
from app.models.feeds import AgentFeedActivity, Feed, FeedActivity
from app.models.forecasts import Forecast
from app.models.ingest import ClaimedInterval, DirtyInterval, RejectedRecord
from app.models.measures import Measure, Measurement
from app.models.qa import QaEvaluation
from app.models.quality import FeedQualityCount
from app.models.schedules import ScheduleSegment
from app.models.stats import (
    AgentDayStats,
    AgentIntervalStats,
    CallDayStats,
    CallIntervalStats,
    CallMinuteStats,
    TicketIntervalStats,
)
from app.models.tenancy import Agent, Client, Queue, QueueVendor, Vendor

__all__ = [
    "Agent",
    "AgentDayStats",
    "AgentFeedActivity",
    "AgentIntervalStats",
    "AgentStateChange",
    "Alert",
    "AlertDelivery",
    "AlertRule",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Call",
    "CallDayStats",
    "CallIntervalStats",
    "CallKey",
    "CallMinuteStats",
    "ClaimedInterval",
    "Client",
    "ClosedReport",
    "Contract",
    "ContractQueue",
    "DirtyInterval",
    "Dispute",
    "DisputeStep",
    "Feed",
    "FeedActivity",
    "FeedQualityCount",
    "Forecast",
    "LoginFailure",
    "Measure",
    "Measurement",
    "Notifier",
    "PeriodClose",
    "QaEvaluation",
    "Queue",
    "QueueVendor",
    "RejectedRecord",
    "ScheduleSegment",
    "ShareLink",
    "Ticket",
    "TicketIntervalStats",
    "TicketKey",
    "User",
    "Vendor",
]
