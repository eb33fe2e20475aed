"""A record as received, before validation, and how its undecodable bytes are told."""

import json
import re
from dataclasses import dataclass
from typing import Any

import orjson

CHARSET_HINT = (
    "send UTF-8, or declare a GB18030/GBK body with `Content-Type: text/csv; charset=gb18030`"
    " (`callpulse import --encoding gb18030`)"
)
# Bytes that were not UTF-8, kept by the `surrogateescape` error handler.
_UNDECODED = re.compile("[\udc80-\udcff]")


@dataclass(slots=True)
class RawRecord:
    """One record as received: its position, parsed value, original text, parse error.

    Not frozen: made for every record of a batch, a frozen dataclass took 0.9 µs to build
    (each field set through `object.__setattr__`), a slotted one 0.15 µs; none is changed.
    """

    index: int
    value: Any
    source: str | None = None
    error: str | None = None
    line: int | None = None  # where the record starts in an NDJSON or CSV body (1 = first)

    @property
    def text(self) -> str:
        """Return the record as received (JSON items are re-serialised only when needed)."""
        return self.source if self.source is not None else _dumps(self.value, sort_keys=False)

    @property
    def canonical(self) -> str:
        """Return the record in one form whatever the body format (key order aside)."""
        if self.value is None:
            return self.text
        return _dumps(self.value, sort_keys=True)


def _dumps(value: Any, sort_keys: bool) -> str:
    """Serialise a parsed value; unpaired surrogates (which orjson refuses) as escapes."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else None).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, sort_keys=sort_keys, separators=(",", ":"))


def undecoded(line: str) -> str | None:
    """Return an error for a line holding bytes that are not UTF-8, else None."""
    found = _UNDECODED.search(line)
    if found is None:
        return None
    byte = ord(found.group()) - 0xDC00
    return f"record: line is not valid UTF-8 (byte 0x{byte:02x}): {CHARSET_HINT}"
