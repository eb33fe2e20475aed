"""Clients, vendors and queues as the tenancy YAML writes them (DESIGN §11), checked here."""

# ruff: noqa: RUF012 (ruff cannot see that Entry is a pydantic model: pydantic copies `[]`)

from datetime import date
from typing import Literal

from pydantic import Field, field_validator

from app.core.spec import Code, Entry, TimezoneName
from app.core.vocabulary import DEFAULT_SL_FORMULA, SL_FORMULA_NAMES, TICKET_CHANNELS
from app.kpi.definitions import AGENT_KPIS, CALL_KPIS, CALLBACK_KPIS, KPIS, SCHEDULE_KPIS
from app.kpi.targets import TargetSpec
from app.quality.hours import Hours, normalise_hours

TARGET_KPIS = tuple(
    k
    for k in (*CALL_KPIS, *AGENT_KPIS, *SCHEDULE_KPIS, *CALLBACK_KPIS)
    if KPIS[k].unit in ("ratio", "s", "score")
)


class ClientSpec(Entry):
    """A client (甲方), the timezone its days and months are counted in, and its holidays."""

    code: Code
    name: str
    timezone: TimezoneName = "UTC"
    holidays: list[date] = Field(
        default=[],
        description="local dates left out of the history CallPulse's own forecast learns from"
        " (public holidays, one-off closures), e.g. [2026-10-01, 2026-10-02]",
    )

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: list[date]) -> list[date]:
        return sorted(set(value))


class VendorSpec(Entry):
    """A vendor (乙方)."""

    code: Code
    name: str


class TicketTarget(Entry):
    """How fast a channel's tickets must get a first response and a resolution."""

    first_response_s: int | None = Field(default=None, gt=0)
    resolution_s: int | None = Field(default=None, gt=0)


class QueueSpec(Entry):
    """A client's queue, the vendors serving it, and its service-level settings."""

    code: Code
    client: Code
    name: str | None = None
    vendors: list[Code] = []
    sl_threshold_s: int = Field(default=20, gt=0, le=3600)
    sl_formula: Literal[SL_FORMULA_NAMES] = DEFAULT_SL_FORMULA  # type: ignore[valid-type]
    short_abandon_s: int = Field(default=0, ge=0, le=3600)
    callback_within_min: int = Field(
        default=60,
        gt=0,
        le=10_080,
        description="minutes within which a callback request (exit_reason callback) must be"
        " called back to count as on time (回访及时率); at most a week",
    )
    ticket_targets: dict[Literal[TICKET_CHANNELS], TicketTarget] = {}  # type: ignore[valid-type]
    targets: dict[Literal[TARGET_KPIS], TargetSpec] = {}  # type: ignore[valid-type]
    hours: dict[str, str | list[str]] | None = Field(
        default=None,
        description='service hours in the client\'s timezone, e.g. {mon-fri: "08:00-20:00"};'
        " days not named are closed; none: always open",
    )

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, str | list[str]] | None) -> Hours | None:
        return None if value is None else normalise_hours(value)
