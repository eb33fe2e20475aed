"""A feed as the YAML declares it (`feeds:`), and as an adapter sees it (`FeedConfig`).

The format's own options sit in a block named after the format, `-` written `_` (a
`csv` feed has a `csv:` block, an `asterisk-queue-log` feed an `asterisk_queue_log:`
block), so a feed reads like the issue's example and a block given to the wrong format
is an unknown key. The block is checked by the adapter's `Options` model when the file is
applied (`ingest.feed_apply`), where its errors name `feeds[i] (name).<block>.<field>`.
"""

# ruff: noqa: RUF012 (ruff cannot see that Entry is a pydantic model: pydantic copies `{}`)

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    ValidationError,
    model_validator,
)

from app.core.errors import ConfigError
from app.core.spec import Code, Entry, TimezoneName
from app.models import Feed
from ingest import adapters
from ingest.adapters.base import Adapter, FeedConfig


def options_key(format_name: str) -> str:
    """Return the YAML key of a format's options block: its name with `-` written `_`."""
    return format_name.replace("-", "_")


def _known_format(name: str) -> str:
    if name not in adapters.MODULES:
        raise ValueError(f"unknown format {name!r}; use one of {', '.join(adapters.MODULES)}")
    return name


def _source_names_as_text(value: Any) -> Any:
    """Read `5001: acme-cards` like `"5001": acme-cards`: source queues are names, as text."""
    if isinstance(value, dict):
        return {str(name): code for name, code in value.items()}
    return value


SourceQueues = Annotated[
    dict[Annotated[str, Field(min_length=1, max_length=128)], Code],
    BeforeValidator(_source_names_as_text),
]


class FeedSpec(Entry):
    """A vendor's source: who sends it, in which format, and how its queues map to ours."""

    name: Code
    vendor: Code
    format: Annotated[str, AfterValidator(_known_format)]
    timezone: TimezoneName | None = None
    queues: SourceQueues = {}
    max_age_days: int | None = Field(default=None, gt=0, le=3660)
    options: dict[str, Any] = Field(default={}, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _take_options_block(cls, data: Any) -> Any:
        """Move the format's block (`csv: {...}`) to `options`; any other key stays unknown."""
        if not isinstance(data, dict):
            return data
        if "options" in data:
            raise ValueError("options: unknown key; the format's options go in its own block")
        block = options_key(str(data.get("format", "")))
        if block not in data or block in cls.model_fields:
            return data
        rest = {key: value for key, value in data.items() if key != block}
        return {**rest, "options": data[block]}


class OptionsRejected(ValueError):
    """A format's options block the adapter refuses, one `<block>.<field>: …` per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _options(format_name: str, given: dict[str, Any]) -> BaseModel:
    """Return a format's options block read by its adapter's `Options` model, or refuse it."""
    try:
        return adapters.adapter(format_name).Options.model_validate(given)
    except ValidationError as exc:
        block = options_key(format_name)
        raise OptionsRejected(
            [
                f"{'.'.join(str(p) for p in (block, *e['loc']))}: "
                + {"extra_forbidden": "unknown key", "missing": "required"}.get(e["type"], e["msg"])
                for e in exc.errors()
            ]
        ) from exc


def checked_options(spec: FeedSpec) -> dict[str, Any]:
    """Return the spec's options block as the adapter reads it (JSON, only the keys given)."""
    dumped: dict[str, Any] = _options(spec.format, spec.options).model_dump(
        mode="json", exclude_unset=True
    )
    return dumped


def feed_config(feed: Feed) -> tuple[Adapter, FeedConfig]:
    """Return a stored feed's adapter and the `FeedConfig` it parses with.

    A feed stored by an older CallPulse may name a format or options this one no longer
    reads: that is the operator's to correct, said as such (409), never a server error.
    """
    fix = "; correct the feed under `feeds:` and run `callpulse apply`"
    if feed.format not in adapters.MODULES:
        raise ConfigError(
            f"feed {feed.name!r}: this CallPulse has no format {feed.format!r}{fix}",
            status_code=409,
        )
    try:
        options = _options(feed.format, feed.options)
    except OptionsRejected as exc:
        raise ConfigError(f"feed {feed.name!r}: its stored {exc}{fix}", status_code=409) from exc
    config = FeedConfig(
        name=feed.name,
        format=feed.format,
        queues=dict(feed.queues),
        timezone=ZoneInfo(feed.timezone) if feed.timezone else None,
        options=options,
    )
    return adapters.adapter(feed.format), config
