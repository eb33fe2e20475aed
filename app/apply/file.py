"""The YAML shape of `callpulse apply` (DESIGN §11), with errors naming entry and field."""

# ruff: noqa: RUF012 (ruff cannot see that Entry is a pydantic model: pydantic copies `[]`)

from typing import Any

import yaml
from pydantic import ValidationError

from app.alerts.config import AlertRuleSpec, NotifierSpec
from app.contracts.config import ContractSpec
from app.core.errors import ConfigError
from app.core.spec import Entry
from app.measures.config import MeasureSpec
from app.tenancy.config import ClientSpec, QueueSpec, VendorSpec
from ingest.feed_config import FeedSpec


class TenancyFile(Entry):
    """One YAML file; every section is optional."""

    clients: list[ClientSpec] = []
    vendors: list[VendorSpec] = []
    queues: list[QueueSpec] = []
    notifiers: list[NotifierSpec] = []
    alert_rules: list[AlertRuleSpec] = []
    contracts: list[ContractSpec] = []
    feeds: list[FeedSpec] = []
    measures: list[MeasureSpec] = []


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
