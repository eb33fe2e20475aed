"""The YAML shape of `callpulse apply` (DESIGN §11), with errors naming entry and field."""

# ruff: noqa: RUF012 (ruff cannot see that Entry is a pydantic model: pydantic copies `[]`)

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import AfterValidator, Field, ValidationError

from app.alerts.config import AlertRuleSpec, NotifierSpec
from app.contracts.config import ContractSpec
from app.core.errors import ConfigError
from app.core.spec import Code, Entry
from app.core.vocabulary import DEFAULT_SL_FORMULA, SL_FORMULA_NAMES, TICKET_CHANNELS
from app.kpi.definitions import AGENT_KPIS, CALL_KPIS, KPIS
from app.tenancy.targets import TargetSpec

TARGET_KPIS = tuple(k for k in (*CALL_KPIS, *AGENT_KPIS) if KPIS[k].unit in ("ratio", "s", "score"))


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {name!r}; use an IANA name like Asia/Shanghai") from exc
    return name


class ClientSpec(Entry):
    """A client (甲方) and the timezone its days and months are counted in."""

    code: Code
    name: str
    timezone: Annotated[str, AfterValidator(_known_timezone)] = "UTC"


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
    ticket_targets: dict[Literal[TICKET_CHANNELS], TicketTarget] = {}  # type: ignore[valid-type]
    targets: dict[Literal[TARGET_KPIS], TargetSpec] = {}  # type: ignore[valid-type]


class TenancyFile(Entry):
    """One YAML file; every section is optional."""

    clients: list[ClientSpec] = []
    vendors: list[VendorSpec] = []
    queues: list[QueueSpec] = []
    notifiers: list[NotifierSpec] = []
    alert_rules: list[AlertRuleSpec] = []
    contracts: list[ContractSpec] = []


def load_file(text: str, source: str = "file") -> TenancyFile:
    """Parse and validate a YAML document, naming the entry and field of every error."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections")
    try:
        return TenancyFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            f"{source}: " + "; ".join(_describe(item, data) for item in exc.errors())
        ) from exc


def _describe(item: Any, data: dict[str, Any]) -> str:
    loc = item["loc"]
    where = str(loc[0]) if loc else "file"
    if len(loc) >= 2 and isinstance(loc[1], int):
        entry = data.get(loc[0], [])[loc[1]]
        code = (entry.get("code") or entry.get("name")) if isinstance(entry, dict) else None
        where = f"{loc[0]}[{loc[1]}]" + (f" ({code})" if code else "")
    field = ".".join(str(p) for p in loc[2:])
    message = {"extra_forbidden": "unknown key", "missing": "required"}.get(
        item["type"], item["msg"].removeprefix("Value error, ")
    )
    if loc and len(loc) == 1 and item["type"] == "extra_forbidden":
        message = f"unknown section (expected {', '.join(TenancyFile.model_fields)})"
    return f"{where}{'.' + field if field else ''}: {message}"
