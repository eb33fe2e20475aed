"""The measure tests' declarations and requests: submit, confirm, dispute, list."""

import secrets
from typing import Any

from app.apply.file import load_file
from app.apply.service import apply_tenancy
from app.core.db import Database


def measures_yaml(suffix: str) -> str:
    """Return a `measures:` section: attrition (ratio, lower), satisfaction (score, higher),
    outage hours (hours, lower), trained agents (count, higher), codes ending in `suffix`."""
    return f"""
measures:
  - code: attrition_{suffix}
    name: {{en: attrition rate, zh: 人员流失率}}
    unit: ratio
    direction: lower
    formula: {{en: agents who left / average headcount, zh: 离职人数 / 平均在岗人数}}
  - code: satisfaction_{suffix}
    name: {{en: employee satisfaction, zh: 员工满意度}}
    unit: score
    direction: higher
    formula: mean score of the staff survey
  - code: outage_{suffix}
    name: {{en: system interruption, zh: 系统中断}}
    unit: hours
    direction: lower
    formula: hours of platform outage
  - code: trained_{suffix}
    name: {{en: agents trained, zh: 培训人数}}
    unit: count
    direction: higher
    formula: agents who finished training
"""


def declare(database: Database) -> dict[str, str]:
    """Apply the section under a fresh suffix; return code by short name."""
    suffix = secrets.token_hex(4)
    with database.session_scope() as session:
        apply_tenancy(session, load_file(measures_yaml(suffix)))
    return {name: f"{name}_{suffix}" for name in ("attrition", "satisfaction", "outage", "trained")}


def auth(key: str) -> dict[str, str]:
    """Return the Authorization header of a key."""
    return {"Authorization": f"Bearer {key}"}


def submit(http, key: str, body: Any):
    """POST /v1/measurements; return the response."""
    return http.post("/v1/measurements", json=body, headers=auth(key))


def decide(http, key: str, measurement_id: int, verb: str, **body: Any):
    """POST confirm or dispute on a measurement; return the response."""
    return http.post(
        f"/v1/measurements/{measurement_id}/{verb}", json=body or None, headers=auth(key)
    )


def listed(http, key: str, **params: str) -> list[dict[str, Any]]:
    """Return the measurements a key reads."""
    response = http.get("/v1/measurements", params=params, headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()["measurements"]
