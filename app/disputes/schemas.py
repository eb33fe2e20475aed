"""Bodies of the dispute routes: what a party may send, bounded so it cannot grow unread."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

REASONS = ("carrier_outage", "client_downtime", "routing_change", "data_error", "other")
MAX_CALL_IDS = 1000
DISPUTE_ID_MAX = 2**31 - 1  # an integer column
Reason = Literal["carrier_outage", "client_downtime", "routing_change", "data_error", "other"]


class DisputeRequest(BaseModel):
    """A dispute to open: the period, the contract, the KPI, what to exclude and why."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    period: str = Field(description="2026-11, 2026-W47 or 2026-11-23, in the client's timezone")
    contract: str | None = Field(
        default=None, description="contract code; optional when one contract is in force"
    )
    kpi: str = Field(description="a target of the contract (service_level, …) or `all`")
    start: str | None = Field(
        default=None,
        alias="from",
        description="window start: RFC 3339, or local time in the client's timezone",
    )
    end: str | None = Field(default=None, alias="to", description="window end (exclusive)")
    call_ids: list[str] = Field(default_factory=list, max_length=MAX_CALL_IDS)
    reason: Reason
    evidence: str = Field(default="", max_length=4000, description="free text: tickets, logs")


class CommentRequest(BaseModel):
    """A comment on a dispute's thread."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)


class DecisionRequest(BaseModel):
    """An optional comment with agree, reject or withdraw."""

    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=2000)
