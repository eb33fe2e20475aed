"""Submit, confirm, dispute and list measurements of the KPIs measured outside the ACD.

The vendor (its key, or a supervisor of it; an admin naming the vendor) submits a value per
measure, client and period; submitting the same (measure, client, vendor, period) again
replaces the value and returns it to `submitted`. The client (its key or users; or an admin)
confirms or disputes a submitted value: submitted → confirmed | disputed. Only a confirmed
value scores (`app.contracts.submitted`). Every step is in the audit log. A record refused
is answered by index with its errors and kept in `rejected_records` (kind `measurements`).
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.audit import service as audit
from app.contracts.periods import parse_period
from app.core.db import driver_connection
from app.core.errors import AppError, Forbidden, NotFound
from app.core.vocabulary import MEASUREMENT_STATES
from app.measures import repository
from app.measures.config import RANGES, in_range
from app.measures.schemas import MAX_SUBMISSIONS, MeasurementRecord
from app.models import Measure, Measurement
from ingest.checks import excerpt
from ingest.schemas import describe_errors
from ingest.writer import Rejection, store_rejected

KIND = "measurements"  # the kind of their rejected records


class Refused(Exception):
    """A submission refused, with the field and what to do (kept as a rejected record)."""


@dataclass(frozen=True)
class Submitter:
    """Who submits: the vendor a key acts for (None: an admin, who names it per record)."""

    vendor_id: int | None
    vendor_code: str | None


def submit(session: Session, principal: Principal, body: Any) -> dict[str, Any]:
    """Store every valid submission of `body` (one object or a list); return the accepted
    measurements and the rejected records by index with their errors (like `/v1/calls`)."""
    submitter = _submitter(session, principal)
    records = body if isinstance(body, list) else [body]
    if len(records) > MAX_SUBMISSIONS:
        raise AppError(f"body: at most {MAX_SUBMISSIONS} measurements per request; split it")
    measures = repository.measures_by_code(session)
    actor = audit.actor_of(session, principal)
    accepted: list[int] = []
    rejected: list[dict[str, Any]] = []
    kept: list[Rejection] = []
    for index, raw in enumerate(records):
        client_id: int | None = None
        try:
            record = _record(raw)
            measure = _measure(record, measures)
            vendor_id = _vendor(session, submitter, record)
            client = repository.client_by_code(session, record.client)
            if client is None or not repository.serves(session, vendor_id, client.id):
                raise Refused(
                    f"client: unknown client {excerpt(record.client)!r} (or one the vendor"
                    " does not serve); use a client code of the queues the vendor serves"
                )
            client_id = client.id
            accepted.append(
                _store(session, actor, record, measure, vendor_id, client.id, client.timezone)
            )
        except (Refused, ValidationError) as exc:
            errors = describe_errors(exc) if isinstance(exc, ValidationError) else [str(exc)]
            rejected.append({"index": index, "errors": errors})
            kept.append(_rejection(index, client_id, raw, errors))
    owner = submitter.vendor_id or _named_vendor(session, records)
    store_rejected(driver_connection(session), KIND, owner, kept)
    return {"accepted": _shaped(session, accepted), "rejected": rejected}


def _submitter(session: Session, principal: Principal) -> Submitter:
    """Return the vendor submitting, or 403: only a vendor's key or supervisor, or an admin."""
    if principal.kind in ("vendor", "supervisor") and principal.vendor_id is not None:
        return Submitter(principal.vendor_id, repository.vendor_code(session, principal.vendor_id))
    if principal.kind == "admin":
        return Submitter(None, None)
    raise Forbidden(
        f"a {principal.kind} key may not submit measurements: the vendor submits them (its"
        " key or a supervisor of it), and the client confirms or disputes them"
    )


def _record(raw: Any) -> MeasurementRecord:
    if not isinstance(raw, dict):
        raise Refused("record: send an object with measure, client, period and value")
    return MeasurementRecord.model_validate(raw)


def _measure(record: MeasurementRecord, measures: dict[str, Measure]) -> Measure:
    measure = measures.get(record.measure)
    if measure is None:
        declared = ", ".join(sorted(measures)) or "none yet"
        raise Refused(
            f"measure: {excerpt(record.measure)!r} is not declared (declared: {declared});"
            " declare it under `measures:` in the tenancy YAML and run `callpulse apply`"
        )
    return measure


def _vendor(session: Session, submitter: Submitter, record: MeasurementRecord) -> int:
    """Return the vendor a record is submitted for: the key's own, or the one an admin names."""
    if submitter.vendor_id is not None:
        if record.vendor not in (None, submitter.vendor_code):
            raise Refused(
                f"vendor: a key of vendor {submitter.vendor_code!r} submits its own measurements,"
                f" not {excerpt(record.vendor or '')!r}; leave vendor out"
            )
        return submitter.vendor_id
    vendor = repository.vendor_by_code(session, record.vendor) if record.vendor else None
    if vendor is None:
        raise Refused("vendor: an admin names the vendor of each measurement (a vendor code)")
    return vendor.id


def _value(record: MeasurementRecord, measure: Measure) -> float:
    """Return the submitted value (given, or numerator / denominator), checked against the unit."""
    if record.value is not None and (
        record.numerator is not None or record.denominator is not None
    ):
        raise Refused("value, numerator: give value or numerator and denominator, not both")
    if record.value is None:
        if record.numerator is None or record.denominator is None:
            missing = "numerator" if record.numerator is None else "denominator"
            raise Refused(f"{missing}: required; give value, or numerator and denominator")
        if record.denominator == 0:
            raise Refused(
                "denominator: must not be 0 (a period with nothing to count has no value)"
            )
        value = record.numerator / record.denominator
    else:
        value = record.value
    if not in_range(measure.unit, value):
        raise Refused(
            f"value: {value:g} is outside the range of {measure.code} (unit {measure.unit}:"
            f" {RANGES[measure.unit]})"
        )
    return value


def _store(
    session: Session,
    actor: audit.Actor,
    record: MeasurementRecord,
    measure: Measure,
    vendor_id: int,
    client_id: int,
    timezone: str,
) -> int:
    """Store one checked submission, replacing an earlier one, and record it in the log."""
    value = _value(record, measure)
    try:
        period = parse_period(record.period, ZoneInfo(timezone))
    except ValueError as exc:
        raise Refused(str(exc)) from exc
    stored, before = repository.submit(
        session,
        {
            "measure_id": measure.id,
            "client_id": client_id,
            "vendor_id": vendor_id,
            "period": record.period,
            "period_start": period.start,
            "period_end": period.end,
            "value": value,
            "numerator": record.numerator,
            "denominator": record.denominator,
            "evidence": record.evidence,
            "submitted_by": actor.name[:200],
        },
    )
    audit.record(
        session,
        actor,
        "measurement.submitted",
        f"{measure.code} {record.period}",
        client_id=client_id,
        vendor_id=vendor_id,
        before=None if before is None else {"value": before.value, "state": before.state},
        after={"value": value, "state": "submitted", "evidence": record.evidence},
    )
    return stored.id


def _rejection(index: int, client_id: int | None, raw: Any, errors: list[str]) -> Rejection:
    """Keep a refused record as JSON text; any JSON value is kept (big integers, lone
    surrogates escaped), its canonical form (keys sorted) recognising a replay."""
    key = None
    if isinstance(raw, dict):
        key = excerpt(" ".join(str(raw.get(name, "")) for name in ("measure", "client", "period")))
    return Rejection(index, client_id, key, _json(raw, False), _json(raw, True), errors)


def _json(raw: Any, canonical: bool) -> str:
    text = json.dumps(raw, ensure_ascii=False, sort_keys=canonical)
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate (\ud800) is kept escaped
        return json.dumps(raw, sort_keys=canonical)
    return text


def _named_vendor(session: Session, records: list[Any]) -> int | None:
    """Return the vendor an admin's batch names first (whom its rejections belong to)."""
    for raw in records:
        if isinstance(raw, dict) and isinstance(raw.get("vendor"), str):
            vendor = repository.vendor_by_code(session, raw["vendor"])
            if vendor is not None:
                return vendor.id
    return None


def decide(
    session: Session, principal: Principal, measurement_id: int, verdict: str, reason: str = ""
) -> dict[str, Any]:
    """Confirm or dispute a submitted measurement as its client (key or user) or an admin."""
    measurement = repository.measurement_for_update(session, measurement_id)
    if measurement is None or not _reads(principal, measurement):
        raise NotFound(f"measurement {measurement_id}: no such measurement")
    if principal.kind not in ("client", "admin"):
        raise Forbidden(
            "only the client (its key or users) or an admin confirms or disputes a measurement;"
            " the vendor resubmits it to change the value"
        )
    if measurement.state != "submitted":
        raise AppError(
            f"measurement {measurement_id} is {measurement.state} already; the vendor resubmits"
            " it (same measure, client and period) to put a new value up for confirmation",
            409,
        )
    before = measurement.state
    measurement.state = verdict
    measurement.decided_by = audit.actor_of(session, principal).name[:200]
    measurement.decided_at = datetime.now(UTC)
    measurement.reason = reason
    session.flush()
    audit.record(
        session,
        audit.actor_of(session, principal),
        f"measurement.{verdict}",
        f"measurement {measurement.id} {measurement.period}",
        client_id=measurement.client_id,
        vendor_id=measurement.vendor_id,
        before={"state": before, "value": measurement.value},
        after={"state": verdict, "value": measurement.value}
        | ({"reason": reason} if reason else {}),
    )
    return _shaped(session, [measurement.id])[0]


def _reads(principal: Principal, measurement: Measurement) -> bool:
    """Return whether the principal may see a measurement (its client, its vendor, an admin)."""
    if principal.kind == "client":
        return principal.client_id == measurement.client_id
    if principal.kind in ("vendor", "supervisor") and principal.vendor_id is not None:
        return principal.vendor_id == measurement.vendor_id
    return principal.kind in ("admin", "supervisor")


def list_measurements(
    session: Session,
    principal: Principal,
    *,
    client: str | None,
    vendor: str | None,
    period: str | None,
    state: str | None,
) -> list[dict[str, Any]]:
    """Return the measurements the principal may read: a client's own, a vendor's own, or all
    (an admin, a supervisor of no vendor); `period` is the label submitted (2026-11)."""
    if principal.kind == "share":
        raise Forbidden("a wallboard link may not read measurements; sign in or use a key")
    if state is not None and state not in MEASUREMENT_STATES:
        raise AppError(f"state: unknown {state!r}; use one of {', '.join(MEASUREMENT_STATES)}")
    client_id = principal.client_id if principal.kind == "client" else None
    vendor_id = principal.vendor_id if principal.kind in ("vendor", "supervisor") else None
    if client is not None:
        found = repository.client_by_code(session, client)
        if found is None or client_id not in (None, found.id):
            raise NotFound(f"client: unknown client {excerpt(client)!r}")
        if vendor_id is not None and not repository.serves(session, vendor_id, found.id):
            raise NotFound(f"client: unknown client {excerpt(client)!r}")
        client_id = found.id
    if vendor is not None:
        named = repository.vendor_by_code(session, vendor)
        if named is None or vendor_id not in (None, named.id):
            raise NotFound(f"vendor: unknown vendor {excerpt(vendor)!r}")
        vendor_id = named.id
    rows = repository.measurements(
        session, client_id=client_id, vendor_id=vendor_id, period=period, state=state
    )
    return [_shape(*row) for row in rows]


def _shaped(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    rows = repository.measurements(
        session, client_id=None, vendor_id=None, period=None, state=None, ids=ids
    )
    by_id = {row[0].id: _shape(*row) for row in rows}
    return [by_id[i] for i in ids]


def _shape(
    m: Measurement, measure: Measure, client: str, vendor: str, timezone: str
) -> dict[str, Any]:
    zone = ZoneInfo(timezone)

    def local(moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")

    return {
        "id": m.id,
        "measure": measure.code,
        "name": {"en": measure.name_en, "zh": measure.name_zh},
        "unit": measure.unit,
        "direction": "higher" if measure.higher_is_better else "lower",
        "client": client,
        "vendor": vendor,
        "period": m.period,
        "period_start": local(m.period_start),
        "period_end": local(m.period_end),
        "value": m.value,
        "numerator": m.numerator,
        "denominator": m.denominator,
        "evidence": m.evidence,
        "state": m.state,
        "submitted_by": m.submitted_by,
        "submitted_at": local(m.submitted_at),
        "decided_by": m.decided_by,
        "decided_at": local(m.decided_at),
        "reason": m.reason,
    }
