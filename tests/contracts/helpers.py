"""Small builders for contract tests: contract entries, CDRs, keys, and the SLA request."""

import copy
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from app.access.keys import create_key
from app.access.scope import QueueInfo, Scope
from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from app.contracts.config import ContractSpec
from app.contracts.periods import parse_period
from app.contracts.report import report as shape_report
from app.contracts.scoring import evaluate_contract
from app.core.config import Settings
from app.core.db import Database
from app.kpi.aggregation import drain
from tests.factories import Tenant, post

DESIGN_BANDS = [
    {"min_score": 95, "coefficient": 1.05},
    {"min_score": 80, "coefficient": 1.0},
    {"min_score": 0, "coefficient": 0.9},
]


def contract_entry(tenant: Tenant, **changes: Any) -> dict[str, Any]:
    """Return a valid `contracts:` entry for the tenant's vendor on its own queue."""
    entry = {
        "code": f"k-{secrets.token_hex(4)}",
        "client": tenant.client,
        "vendor": tenant.vendor,
        "queues": [tenant.queue],
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "targets": {"service_level": {"min": 0.8, "weight": 40}},
        "billing": {"model": "per_workload", "unit_price": 4.5, "currency": "CNY"},
    }
    return entry | changes


def billing(model: str, unit_price: float, **more: Any) -> dict[str, Any]:
    """Return a `billing:` entry in CNY with DESIGN §10's bands unless `more` says otherwise."""
    return {
        "model": model,
        "unit_price": unit_price,
        "currency": "CNY",
        "bands": DESIGN_BANDS,
    } | more


# DESIGN §10's targets (with a penalty on abandon rate) on per-workload billing at ¥45.
DESIGN_CONTRACT: dict[str, Any] = {
    "targets": {
        "service_level": {"min": 0.8, "weight": 40},
        "abandon_rate": {"max": 0.05, "weight": 20, "penalty": 100},
        "asa_s": {"max": 20, "weight": 20},
        "csat": {"min": 85, "weight": 20},
    },
    "billing": billing("per_workload", 45, penalty_per_missed_target=50),
}


def apply(database: Database, *entries: dict[str, Any]) -> dict[str, int]:
    """Apply a file holding only these contracts; return the counts."""
    spec = TenancyFile.model_validate({"contracts": copy.deepcopy(list(entries))})
    with database.session_scope() as session:
        return dict(apply_tenancy(session, spec).counts)


def key(database: Database, kind: str, **tenant_codes: str) -> str:
    """Create a key (`vendor_code=` / `client_code=` as `create_key` takes them)."""
    with database.session_scope() as session:
        return create_key(session, kind, **tenant_codes)


def sla(http, client: str, auth_key: str, suffix: str = "", **params: str):
    """GET /v1/sla/{client}{suffix} with a key; return the response."""
    return http.get(
        f"/v1/sla/{client}{suffix}", params=params, headers={"Authorization": f"Bearer {auth_key}"}
    )


def report(http, tenant: Tenant, key: str | None = None, client: str | None = None, **params):
    """Return the SLA report (default: the tenant's client, with its client key)."""
    response = sla(http, client or tenant.client, key or tenant.client_key, **params)
    assert response.status_code == 200, response.text
    return response.json()


def ingest(
    http,
    database: Database,
    settings: Settings,
    tenant: Tenant,
    path: str,
    records: list[dict],
    key: str | None = None,
) -> None:
    """Post records with the vendor's key (or `key`) and bring the stats up to date."""
    body = post(http, path, records, tenant, key=key).json()
    assert body["accepted"] == len(records), body
    drain(database, settings)


def design_report() -> dict[str, Any]:
    """Return DESIGN §10's contract on ten calls as the report code shapes it (no database).

    SL 0.80 met, abandon 0.10 missed, ASA 120/9 s met, CSAT 90 met, email first response
    without data; read on 20 November 2026 at 15:30 Shanghai, so the month is partial; of
    two alerts one was never acknowledged (missed, resolved after 400 s).
    """
    spec = ContractSpec.model_validate(
        {
            "code": "acme-2026",
            "client": "acme",
            "vendor": "vendor-a",
            "queues": ["acme-cards"],
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "targets": {
                "service_level": {"min": 0.8, "weight": 40},
                "abandon_rate": {"max": 0.05, "weight": 20, "penalty": 100},
                "asa_s": {"max": 20, "weight": 20},
                "csat": {"min": 85, "weight": 20},
                "ticket_frt_sla.email": {"min": 0.9, "weight": 10},
            },
            "billing": {
                "model": "per_workload",
                "unit_price": 45,
                "currency": "CNY",
                "bands": [
                    {"min_score": 95, "coefficient": 1.05},
                    {"min_score": 80, "coefficient": 1.0},
                    {"min_score": 0, "coefficient": 0.9},
                ],
                "penalty_per_missed_target": 50,
            },
        }
    )
    actual = {"service_level": 0.8, "abandon_rate": 0.1, "asa_s": 120 / 9, "csat": 90.0}
    queue = QueueInfo(1, "acme-cards", 20, "abandoned_negative", 0, {})
    scope = Scope(1, "acme", ZoneInfo("Asia/Shanghai"), (queue,), 1)
    no_day = dict.fromkeys(spec.targets)
    missed = datetime(2026, 11, 12, 6, 0, tzinfo=UTC)  # 14:00 Shanghai
    return shape_report(
        spec,
        evaluate_contract(spec, actual, Decimal(9)),
        scope,
        client_name="ACME Bank",
        period=parse_period("2026-11", ZoneInfo("Asia/Shanghai")),
        contracts=["acme-2026"],
        daily=[{"date": "2026-11-09"} | no_day, {"date": "2026-11-10"} | no_day | actual],
        # one acknowledged after 200 s, one never acknowledged and resolved after 400 s
        alerts={"alerts_opened": 2, "alerts_acknowledged": 1, "alert_response_sum_s": 600.0},
        unacknowledged=[
            ("acme-cards", "abandon-spike", missed, missed + timedelta(seconds=400), 400.0)
        ],
        as_of=datetime(2026, 11, 20, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        contract_updated_at=datetime(2026, 10, 1, 2, 0, tzinfo=UTC),
    )


def open_alerts(pg, tenant: Tenant, alerts: list[tuple[str, float | None, float | None]]) -> int:
    """Store alerts on the tenant's queue under a new rule, and return the rule's id.

    Each is (opened at, local Shanghai `YYYY-MM-DDThh:mm`, seconds until acknowledged or None,
    seconds until resolved or None): resolved alerts are `resolved`, else `acknowledged` or
    `open`.
    """
    rule = pg.execute(
        "INSERT INTO alert_rules (name, queue_ids, metric, window_min, op, threshold, min_volume,"
        " severity, ack_within_min) SELECT %s, ARRAY[id], 'service_level', 10, '<', 0.8, 0,"
        " 'critical', 10 FROM queues WHERE code = %s RETURNING id",
        [f"sla-{secrets.token_hex(4)}", tenant.queue],
    ).fetchone()[0]
    for at, acked_s, resolved_s in alerts:
        state = (
            "resolved" if resolved_s is not None else "open" if acked_s is None else "acknowledged"
        )
        pg.execute(
            "INSERT INTO alerts (client_id, queue_id, rule_id, state, value, threshold, opened_at,"
            " acknowledged_at, resolved_at, last_value) SELECT q.client_id, q.id, %s, %s, 0.5,"
            " 0.8, o, o + make_interval(secs => %s), o + make_interval(secs => %s), 0.5"
            " FROM queues q, (SELECT %s::timestamptz AS o) x WHERE q.code = %s",
            [rule, state, acked_s, resolved_s, f"{at}:00+08:00", tenant.queue],
        )
    return rule
