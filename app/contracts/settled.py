"""The SLA report as the parties settled it: the live report, or the frozen one once closed.

A period is closed per contract and period label (`2026-11`, `2026-W46` and `2026-11-10` are
closed apart). Once closed, `settled_report` serves the report frozen at the close, whatever
data or settings change afterwards, with:
- `closed`: `{at, by, sha256}` (`null` while open, in the live report too);
- `restatement`: the figures that now differ from the closed ones, `[{kpi, closed, now}]`
  per target `actual`, then `score` and `amount` (the total) when they differ; `[]` when
  the live report agrees, `null` while open. A restatement is recorded in the audit log
  (`report.restated`) the first time it is seen and whenever it changes, not on every read.

Canonical form (what `closed.sha256` is the SHA-256 hex digest of): the report as the live
`sla_report` returned it at the close (its `as_of` is the time of the close and stays in
the hash: it says when the figures were read), without the `closed` and `restatement`
keys, serialised as JSON with keys sorted at every level, separators `,` and `:` with no
whitespace, non-ASCII characters as themselves (`ensure_ascii=False`), no NaN or
infinity, encoded as UTF-8. In Python:
`json.dumps(report, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
allow_nan=False).encode()`.
"""

import hashlib
import json
import math
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.access.keys import Principal, principal_label
from app.audit.service import Actor, record
from app.contracts import close_repository
from app.contracts.service import sla_report
from app.core.config import Settings
from app.models import ClosedReport

SETTLEMENT_KEYS = ("closed", "restatement")
"""Keys the serving adds to a report; never part of what is hashed."""
SYSTEM = "CallPulse"


def canonical(report: dict[str, Any]) -> str:
    """Return the report's canonical JSON text (see the module docstring), settlement keys off."""
    body = {key: value for key, value in report.items() if key not in SETTLEMENT_KEYS}
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def sha256_of(text: str) -> str:
    """Return the SHA-256 hex digest of canonical JSON text, as UTF-8 bytes."""
    return hashlib.sha256(text.encode()).hexdigest()


def is_closed(session: Session, contract_id: int, period_label: str) -> bool:
    """Say whether a contract's period (as written: `2026-11`) is closed, i.e. frozen."""
    return close_repository.closed_report(session, contract_id, period_label) is not None


def closed_stamp(frozen: ClosedReport, timezone: str) -> dict[str, Any]:
    """Return the `closed` object of a frozen report: when (client's time), by whom, its hash."""
    return {
        "at": frozen.closed_at.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds"),
        "by": frozen.closed_by,
        "sha256": frozen.sha256,
    }


def settled_report(
    session: Session,
    principal: Principal,
    client_code: str,
    period: str,
    contract: str | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Return the SLA report `sla_report` answers, or the frozen one if the period is closed.

    The live report is always computed: it checks what the principal may read and picks
    the contract, and it is what a restatement compares against.
    """
    live = sla_report(session, principal, client_code, period, contract, settings)
    stored = close_repository.contract_by_code(session, live["contract"])
    assert stored is not None  # the report was just read
    frozen = close_repository.closed_report(session, stored.id, live["period"]["label"])
    if frozen is None:
        return live | {"closed": None, "restatement": None}
    served: dict[str, Any] = json.loads(frozen.canonical)
    restatement = restatement_of(served, live)
    if restatement != (frozen.restatement or []) and close_repository.note_restatement(
        session, frozen, restatement
    ):
        record(
            session,
            Actor(SYSTEM, "system"),
            "report.restated",
            f"report {stored.code} {frozen.period}: live figures differ from the closed report",
            client_id=stored.client_id,
            vendor_id=stored.vendor_id,
            contract_id=stored.id,
            before={"period": frozen.period, "sha256": frozen.sha256},
            after={
                "period": frozen.period,
                "restatement": restatement,
                "seen_by": principal_label(session, principal),
            },
        )
    return served | {"closed": closed_stamp(frozen, served["timezone"]), "restatement": restatement}


def restatement_of(closed: dict[str, Any], live: dict[str, Any]) -> list[dict[str, Any]]:
    """Return `[{kpi, closed, now}]` for every figure the live report now states otherwise.

    Per target its `actual` (a target only in one report has `null` on the other side),
    then `score` and `amount` (the total), in the closed report's target order.
    """
    was = {t["kpi"]: t["actual"] for t in closed["targets"]}
    now = {t["kpi"]: t["actual"] for t in live["targets"]}
    figures = [
        (kpi, was.get(kpi), now.get(kpi)) for kpi in [*was, *(k for k in now if k not in was)]
    ]
    figures += [
        ("score", closed["score"], live["score"]),
        ("amount", closed["amount"]["total"], live["amount"]["total"]),
    ]
    return [
        {"kpi": kpi, "closed": before, "now": after}
        for kpi, before, after in figures
        if not _same(before, after)
    ]


def _same(a: float | None, b: float | None) -> bool:
    """Equal figures: both missing, or equal up to float noise from summing in another order."""
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
