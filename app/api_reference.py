"""What `/docs` says beyond the routes: constraints, extra statuses, and body examples.

Constraints come from the same constants the code checks, so the document cannot drift
from what a route accepts.
"""

import csv
import io
import json
from typing import Any

from app.access.auth import current_principal
from app.audit.service import ACTIONS as AUDIT_ACTIONS
from app.audit.service import FAMILIES as AUDIT_FAMILIES
from app.contracts.periods import PATTERN as PERIOD_PATTERN
from app.core.cursor import MAX_PAGE
from app.core.openapi import Reference
from app.core.vocabulary import MEASUREMENT_STATES, QA_BASES, TICKET_CHANNELS
from app.evidence.outcomes import CALL_OUTCOMES
from app.evidence.repository import VERDICTS
from app.kpi.intervals import GRANULARITIES
from app.kpi.service import SPLITS
from app.measures.schemas import MEASUREMENT_ID_MAX
from app.models.alerts import ALERT_STATES
from app.models.disputes import DISPUTE_STATES
from app.quality.measures import RECORD_KINDS
from app.rejects.service import LISTED_KINDS
from ingest.endpoints import ROUTES as INGEST_ROUTES
from ingest.endpoints import SCHEDULES
from ingest.forecast_service import FORECASTS_KIND
from ingest.qa_service import QA_KIND

BIGINT_MAX = 2**63 - 1
DAY = "2026-11-22T09:{}+08:00"

INGEST_RECORDS: dict[str, list[dict[str, Any]]] = {
    "calls": [
        {
            "call_id": "c-20261122-0001",
            "queue": "acme-cards",
            "offered_at": DAY.format("30:00"),
            "answered_at": DAY.format("30:12"),
            "ended_at": DAY.format("34:05"),
            "agent": "a1001",
            "talk_s": 200,
            "hold_s": 13,
            "acw_s": 30,
            "transferred": False,
            "resolved": True,
            "csat": 90,
            "disposition": "card-activation",
        },
        {
            "call_id": "c-20261122-0002",
            "queue": "acme-cards",
            "offered_at": DAY.format("31:00"),
            "ended_at": DAY.format("31:45"),
        },
        {
            "call_id": "c-20261122-0004",
            "queue": "acme-cards",
            "offered_at": DAY.format("32:00"),
            "ended_at": DAY.format("33:30"),
            "exit_reason": "callback",
        },
        {
            "call_id": "c-20261122-0005",
            "queue": "acme-cards",
            "direction": "outbound",
            "offered_at": DAY.format("50:00"),
            "answered_at": DAY.format("50:12"),
            "ended_at": DAY.format("53:00"),
            "callback_of": "c-20261122-0004",
        },
    ],
    "call-events": [
        {
            "call_id": "c-20261122-0003",
            "queue": "acme-cards",
            "event": "offered",
            "at": DAY.format("35:00"),
        },
        {
            "call_id": "c-20261122-0003",
            "queue": "acme-cards",
            "event": "answered",
            "at": DAY.format("35:09"),
            "agent": "a1001",
        },
    ],
    "agent-events": [
        {
            "agent": "a1001",
            "state": "available",
            "at": DAY.format("00:00"),
            "queues": ["acme-cards"],
        },
        {"agent": "a1001", "state": "not_ready", "at": DAY.format("45:00"), "reason": "break"},
    ],
    "tickets": [
        {
            "ticket_id": "t-20261122-0001",
            "queue": "acme-email",
            "channel": "email",
            "created_at": DAY.format("10:00"),
            "first_response_at": DAY.format("40:00"),
            "agent": "a2001",
            "priority": "high",
        },
        {
            "ticket_id": "t-20261122-0002",
            "queue": "acme-email",
            "channel": "chat",
            "created_at": DAY.format("12:00"),
            "first_response_at": DAY.format("12:30"),
            "resolved_at": DAY.format("20:00"),
            "csat": 100,
        },
    ],
    "schedules": [
        {
            "agent": "a1001",
            "start": DAY.format("00:00"),
            "end": "2026-11-22T12:00:00+08:00",
            "activity": "work",
            "queues": ["acme-cards"],
        },
        {
            "agent": "a1001",
            "start": "2026-11-22T12:00:00+08:00",
            "end": "2026-11-22T13:00:00+08:00",
            "activity": "lunch",
        },
    ],
}

QA_KEY = ("POST", f"/v1/{QA_KIND}")
QA_RECORDS = [
    {
        "evaluation_id": "qa-20261122-0001",
        "call_id": "c-20261122-0001",
        "queue": "acme-cards",
        "agent": "a1001",
        "evaluator": "qa-li",
        "evaluated_at": DAY.format("50:00"),
        "mode": "recording",
        "fatal_errors": 0,
        "non_fatal_errors": 1,
        "score": 92,
    },
    {
        "evaluation_id": "qa-20261122-0002",
        "ticket_id": "t-20261122-0001",
        "queue": "acme-email",
        "agent": "a2001",
        "evaluator": "qa-li",
        "evaluated_at": DAY.format("55:00"),
        "mode": "recording",
        "fatal_errors": 1,
        "non_fatal_errors": 0,
        "score": 60,
    },
]

FORECAST_KEY = ("POST", f"/v1/{FORECASTS_KIND}")
FORECAST_RECORDS = [
    {
        "queue": "acme-cards",
        "interval_start": "2026-11-23T09:00:00+08:00",
        "offered": 42,
        "aht_s": 215,
        "required_agents": 13,
        "source": "nice-iex",
    },
    {
        "queue": "acme-cards",
        "interval_start": "2026-11-23T10:00:00+08:00",
        "interval_min": 60,
        "offered": 180,
        "aht_s": 210,
        "required_agents": 14,
        "source": "nice-iex",
    },
]

INGEST_ANSWER = {
    "accepted": 1,
    "duplicates": 0,
    "rejected": [{"index": 1, "id": "c-20261122-0002", "errors": ["offered_at: required"]}],
}


def ndjson_body(records: list[dict[str, Any]]) -> str:
    """Return records as NDJSON, one object per line."""
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def csv_body(records: list[dict[str, Any]]) -> str:
    """Return records as CSV with a header of field names (lists joined by `;`)."""
    names = list(dict.fromkeys(name for record in records for name in record))
    out = io.StringIO()
    writer = csv.DictWriter(out, names, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: _cell(v) for k, v in record.items()})
    return out.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def _body_examples(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        "application/json": {
            "one": {"summary": "One record", "value": records[0]},
            "batch": {"summary": "A JSON array of records", "value": records},
        },
        "application/x-ndjson": {
            "ndjson": {"summary": "NDJSON: one record per line", "value": ndjson_body(records)}
        },
        "text/csv": {
            "csv": {"summary": "CSV: a header of field names", "value": csv_body(records)}
        },
    }


_INGESTED = (*INGEST_ROUTES, SCHEDULES)


def _ingest_keys() -> list[tuple[str, str]]:
    return [("POST", f"/v1/{kind}") for kind in _INGESTED]


SLA_PATHS = ["/v1/sla/{client}", *(f"/v1/sla/{{client}}.{fmt}" for fmt in ("csv", "xlsx", "pdf"))]
CLOSE_KEYS = [
    ("GET", "/v1/sla/{client}/close"),
    ("POST", "/v1/sla/{client}/close"),
    ("POST", "/v1/sla/{client}/reopen"),
]
CLOSE_STATE = {
    "client": "acme",
    "contract": "acme-2026",
    "period": "2026-11",
    "ends_at": "2026-12-01T00:00:00+08:00",
    "ended": True,
    "sides": {
        "client": {"at": "2026-12-02T10:00:00+08:00", "by": "li.wei", "role": "client"},
        "vendor": {"at": "2026-12-02T11:30:00+08:00", "by": "vendor-a key", "role": "vendor"},
        "admin": None,
    },
    "closed": {
        "at": "2026-12-02T11:30:00+08:00",
        "by": "li.wei (client), vendor-a key (vendor)",
        "sha256": "9f2c…(64 hex digits)",
    },
}
SCORECARD_PATHS = [
    "/v1/scorecard/{client}",
    *(f"/v1/scorecard/{{client}}.{f}" for f in ("csv", "xlsx")),
]
EVIDENCE_PATHS = {
    kind: [f"/v1/{kind}", *(f"/v1/{kind}.{fmt}" for fmt in ("csv", "xlsx"))]
    for kind in ("calls", "tickets", QA_KIND)
}
EVIDENCE_KEYS = [("GET", path) for paths in EVIDENCE_PATHS.values() for path in paths]
EVIDENCE_ENUMS = {
    "calls": {"outcome": list(CALL_OUTCOMES), "sl": list(VERDICTS)},
    "tickets": {
        "channel": list(TICKET_CHANNELS),
        "frt": list(VERDICTS),
        "resolution": list(VERDICTS),
    },
    QA_KIND: {},
}
CALL_ROW = {
    "call_id": "c-20261122-0001",
    "queue": "acme-cards",
    "vendor": "vendor-a",
    "agent": "a1001",
    "offered_at": DAY.format("30:00"),
    "answered_at": DAY.format("30:12"),
    "ended_at": DAY.format("34:05"),
    "offered_estimated": False,
    "answered_estimated": False,
    "wait_s": 12.0,
    "talk_s": 200.0,
    "hold_s": 13.0,
    "acw_s": 30.0,
    "outcome": "answered",
    "sl_met": True,
    "transferred": False,
    "resolved": True,
    "csat": 90.0,
    "exit_reason": None,
}
QA_ROW = {
    "evaluation_id": "qa-20261122-0042",
    "call_id": "c-20261122-0001",
    "ticket_id": None,
    "queue": "acme-cards",
    "vendor": "vendor-a",
    "agent": "a1001",
    "evaluator": "qa.zhang",
    "evaluated_at": DAY.format("55:00"),
    "mode": "recording",
    "fatal_errors": 0,
    "non_fatal_errors": 1,
    "score": 92.0,
    "items": [{"item": "greeting", "ok": True}, {"item": "verification", "ok": False}],
}
REJECTED_PATHS = ["/v1/rejected", "/v1/rejected.csv"]
BOUND_SCHEMA = {  # a date, or an RFC 3339 time with its offset
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2}))?$",
}
CHANGE_ALERT = [("POST", f"/v1/alerts/{{alert_id}}/{verb}") for verb in ("ack", "resolve")]
DISPUTES = "/v1/sla/{client}/disputes"
DISPUTE_STEPS = [
    ("POST", f"{DISPUTES}/{{dispute_id}}/{verb}")
    for verb in ("comments", "agree", "reject", "withdraw")
]
MEASUREMENT_VERDICTS = [
    ("POST", f"/v1/measurements/{{measurement_id}}/{verb}") for verb in ("confirm", "dispute")
]
MEASUREMENT = {
    "measure": "attrition_rate",
    "client": "acme",
    "period": "2026-11",
    "numerator": 3,
    "denominator": 40,
    "evidence": "HR roster export 2026-11-30, https://hr.example.com/roster/2026-11",
}

PLAN = "/v1/queues/{code}/plan"
PLAN_ANSWER = {
    "queue": "acme-cards",
    "client": "acme",
    "date": "2026-11-23",
    "timezone": "Asia/Shanghai",
    "interval_minutes": 15,
    "sl_threshold_s": 20,
    "target_service_level": 0.8,
    "default_aht_s": 180.0,
    "own_forecast_accuracy": {
        "kpi": "forecast_accuracy",
        "from": "2026-11-15",
        "to": "2026-11-22",
        "intervals": 672,
        "value": 0.9132,
    },
    "intervals": [
        {
            "start": "2026-11-23T09:00:00+08:00",
            "end": "2026-11-23T09:15:00+08:00",
            "source": "callpulse",
            "offered": 41.5,
            "aht_s": 236.4,
            "required_agents": 14,
            "scheduled_agents": 12.0,
            "staffing_gap": -2.0,
        }
    ],
}

REFERENCE = Reference(
    reads_key=current_principal,
    statuses={
        **{key: {400, 413, 415} for key in _ingest_keys()},
        # The feed route reads its key itself (bearer or HTTP Basic, `webhook_principal`).
        ("POST", "/v1/feeds/{name}"): {400, 401, 413, 415, 429, 503},
        ("GET", "/v1/metrics"): {404},
        ("GET", "/v1/audit"): {403, 404},
        **{key: {404} for key in EVIDENCE_KEYS},
        ("GET", "/v1/feeds/quality"): {404},
        **{("GET", path): {404} for path in REJECTED_PATHS},  # a vendor the key may not see
        **{key: {409} for key in CHANGE_ALERT},
        ("GET", "/v1/sla/{client}/close"): {404},
        ("POST", "/v1/sla/{client}/close"): {403, 404, 409},
        ("POST", "/v1/sla/{client}/reopen"): {403, 404, 409},
        ("GET", DISPUTES): {400, 403, 404},
        ("POST", DISPUTES): {400, 403, 404, 409},
        **{key: {403, 404, 409} for key in DISPUTE_STEPS},
        ("GET", "/health"): {503},
        ("GET", "/metrics"): {401, 403, 429, 503},
        QA_KEY: {400, 413, 415},
        FORECAST_KEY: {400, 413, 415},
        ("POST", "/v1/measurements"): {400, 403},
        ("GET", "/v1/measurements"): {400, 403, 404},
        **{key: {400, 403, 404, 409} for key in MEASUREMENT_VERDICTS},
    },
    optional_key={("GET", "/metrics")},
    parameters={
        ("GET", "/v1/alerts", "state"): {"schema": {"enum": list(ALERT_STATES)}},
        ("GET", "/v1/audit", "action"): {
            "schema": {"anyOf": [{"enum": list(AUDIT_ACTIONS + AUDIT_FAMILIES)}, {"type": "null"}]}
        },
        ("GET", "/v1/audit", "limit"): {
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 100}
        },
        ("GET", "/v1/metrics", "granularity"): {"schema": {"enum": list(GRANULARITIES)}},
        ("GET", "/v1/metrics", "qa_basis"): {"schema": {"enum": list(QA_BASES)}},
        ("GET", "/v1/feeds/quality", "kind"): {
            "schema": {"anyOf": [{"enum": list(RECORD_KINDS)}, {"type": "null"}]}
        },
        **{
            ("GET", "/v1/feeds/quality", name): {
                "schema": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}
            }
            for name in ("from", "to")
        },
        **{
            ("GET", path, "kind"): {
                "schema": {"anyOf": [{"enum": list(LISTED_KINDS)}, {"type": "null"}]}
            }
            for path in REJECTED_PATHS
        },
        **{
            ("GET", path, bound): {"schema": {"anyOf": [BOUND_SCHEMA, {"type": "null"}]}}
            for path in REJECTED_PATHS
            for bound in ("from", "to")
        },
        ("GET", "/v1/rejected", "limit"): {
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
        },
        ("GET", "/v1/rejected", "format"): {
            "schema": {"anyOf": [{"enum": ["json", "csv"]}, {"type": "null"}]}
        },
        ("GET", "/v1/metrics", "by"): {
            "schema": {"anyOf": [{"enum": sorted(s for s in SPLITS if s)}, {"type": "null"}]}
        },
        ("GET", "/v1/metrics", "queue"): {
            "description": "queue code; give `queue`, `client` or both (one is required)"
        },
        ("GET", "/v1/metrics", "client"): {
            "description": "client code: one row per bucket for the client's visible queues"
        },
        **{
            ("GET", path, "period"): {
                "required": True,
                "schema": {"type": "string", "pattern": PERIOD_PATTERN},
            }
            for path in [*SLA_PATHS, *SCORECARD_PATHS]
        },
        **{
            (*key, "period"): {
                "required": True,
                "schema": {"type": "string", "pattern": PERIOD_PATTERN},
            }
            for key in CLOSE_KEYS
        },
        **{
            ("GET", path, name): {"schema": {"anyOf": [{"enum": values}, {"type": "null"}]}}
            for kind, paths in EVIDENCE_PATHS.items()
            for path in paths
            for name, values in EVIDENCE_ENUMS[kind].items()
        },
        **{
            ("GET", f"/v1/{kind}", "limit"): {
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 100}
            }
            for kind in EVIDENCE_PATHS
        },
        **{
            (*key, "alert_id"): {"schema": {"minimum": 1, "maximum": BIGINT_MAX}}
            for key in CHANGE_ALERT
        },
        ("GET", DISPUTES, "period"): {
            "schema": {"anyOf": [{"type": "string", "pattern": PERIOD_PATTERN}, {"type": "null"}]}
        },
        ("GET", DISPUTES, "state"): {
            "schema": {"anyOf": [{"enum": list(DISPUTE_STATES)}, {"type": "null"}]}
        },
        ("GET", PLAN, "date"): {
            "schema": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}
        },
        ("GET", PLAN, "format"): {
            "schema": {"anyOf": [{"enum": ["json", "csv"]}, {"type": "null"}]}
        },
        ("GET", "/v1/measurements", "state"): {
            "schema": {"anyOf": [{"enum": list(MEASUREMENT_STATES)}, {"type": "null"}]}
        },
        ("GET", "/v1/measurements", "period"): {
            "schema": {"anyOf": [{"type": "string", "pattern": PERIOD_PATTERN}, {"type": "null"}]}
        },
        **{
            (*key, "measurement_id"): {"schema": {"minimum": 1, "maximum": MEASUREMENT_ID_MAX}}
            for key in MEASUREMENT_VERDICTS
        },
    },
    notes={
        ("GET", "/v1/metrics"): "Give `queue=` or `client=` (422 when neither is given).",
        ("GET", PLAN): "`source` is the forecast used for the interval (a WFM tool's name, or"
        " `callpulse`; null when neither has one); `scheduled_agents` and `staffing_gap` are null"
        " when no work is scheduled on the queue that day. `required_agents` uses the forecast"
        " AHT, or `default_aht_s` when it has none.",
        ("POST", DISPUTES): "Give a window (`from` and `to`), `call_ids`, or both, inside the"
        " period; `call_ids` only for call and QA KPIs. 403 names why the caller is no party to the"
        " contract; 404 for a client, contract or period the caller cannot see.",
        **{
            key: "409 when the dispute is no longer open (agreed, rejected or withdrawn), or"
            " when its opener tries to agree to or reject it; 403 when the caller is no party."
            for key in DISPUTE_STEPS
        },
        **{
            key: "Give `queue=` or `client=` (422 when neither is given). A count of these rows"
            " equals the matching `/v1/metrics` component for the same scope and range."
            for key in EVIDENCE_KEYS
        },
        ("POST", "/v1/measurements"): "Give `value`, or `numerator` and `denominator`; the"
        " value must lie in its unit's range (ratio 0–1, count a whole number ≥ 0, score 0–100,"
        " hours ≥ 0). Like the ingest routes, 200 with `accepted` and `rejected`: every refused"
        " record is listed by index with its errors and kept in `rejected_records` (kind"
        " `measurements`).",
        **{
            key: "404 for a measurement the caller cannot see; 403 for a vendor (it resubmits"
            " instead); 409 once confirmed or disputed (a resubmission reopens it)."
            for key in MEASUREMENT_VERDICTS
        },
    },
    request_examples={
        **{
            key: _body_examples(INGEST_RECORDS[kind])
            for key, kind in zip(_ingest_keys(), _INGESTED, strict=True)
        },
        QA_KEY: _body_examples(QA_RECORDS),
        FORECAST_KEY: _body_examples(FORECAST_RECORDS),
        ("POST", "/v1/measurements"): {
            "application/json": {
                "one": {"summary": "One measurement", "value": MEASUREMENT},
                "batch": {"summary": "A list", "value": [MEASUREMENT]},
            }
        },
    },
    response_examples={
        **{key: INGEST_ANSWER for key in _ingest_keys()},
        ("GET", "/v1/calls"): {"calls": [CALL_ROW], "next_cursor": "WyIyMDI2LTExLTIy…"},
        ("GET", f"/v1/{QA_KIND}"): {QA_KIND: [QA_ROW], "next_cursor": None},
        **{key: CLOSE_STATE for key in CLOSE_KEYS},
        QA_KEY: INGEST_ANSWER,
        ("GET", PLAN): PLAN_ANSWER,
        FORECAST_KEY: INGEST_ANSWER,
    },
    field_descriptions={
        "IngestResponse": {
            "accepted": "Records written: new, or changing a stored record.",
            "duplicates": "Records identical to what is stored (retries and replays).",
            "rejected": "Records not written, each kept in `rejected_records` with its errors.",
        },
        "Rejection": {
            "index": "Position in the batch: 0-based for JSON, NDJSON lines and CSV rows.",
            "id": "The record's id field (call_id, ticket_id or agent), when it has one.",
            "errors": "`field: what is wrong` lines, naming what to fix.",
        },
    },
)
