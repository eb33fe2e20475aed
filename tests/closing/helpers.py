"""Close, reopen and read a period through the API, and recompute a frozen report's hash."""

import hashlib
import json
from typing import Any

# DESIGN §10's contract on `per_workload`'s ten calls of 10 November, over ISO week 46
# (9–15 November 2026, ended): SL 8/10, abandon 1/10, ASA 120/9 s, CSAT 90; score 80, band
# 1.00, 9 handled × ¥45 − ¥150 of penalties = ¥255.
WEEK = "2026-W46"


def call(http, verb: str, client: str, auth_key: str, action: str = "close", **params: str):
    """`verb` /v1/sla/{client}/{action} with a key; return the response."""
    return http.request(
        verb,
        f"/v1/sla/{client}/{action}",
        params=params,
        headers={"Authorization": f"Bearer {auth_key}"},
    )


def close(http, client: str, auth_key: str, **params: str) -> dict[str, Any]:
    """Close the period for the key's side; return the close state."""
    response = call(http, "POST", client, auth_key, **params)
    assert response.status_code == 200, response.text
    return response.json()


def recomputed_sha256(report: dict[str, Any]) -> str:
    """Hash a served report the documented way: without `closed` and `restatement`, keys
    sorted, no whitespace, UTF-8 with non-ASCII characters as themselves."""
    body = {k: v for k, v in report.items() if k not in ("closed", "restatement")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
