"""The dispute tests' contract, and their requests: open, act on and list disputes."""

from typing import Any

from tests.contracts.helpers import DESIGN_CONTRACT, apply, contract_entry, ingest
from tests.factories import cdr

DAY = "2026-11-10T09:{:02d}:00+08:00"


def design_contract(http, database, settings, tenant) -> dict[str, Any]:
    """Apply DESIGN §10's contract on the vendor's queue and ingest ten calls on 10 November
    (Shanghai); return the contract entry.

    w0–w7 at 09:00–09:07 answered in 10 s, w8 at 09:08 in 40 s, w9 at 09:09 abandoned after
    30 s: SL 8/10 met, abandon 1/10 missed (¥100 + ¥50), ASA 120/9 s met, CSAT 90 met;
    score 80, band 1.00, amount 9 × ¥45 − ¥150 = ¥255.
    """
    entry = contract_entry(tenant, **DESIGN_CONTRACT)
    apply(database, entry)
    calls = [cdr(f"w{i}", tenant.queue, DAY.format(i), wait=10, agent="a1") for i in range(8)]
    calls[0]["csat"] = calls[1]["csat"] = 90
    calls.append(cdr("w8", tenant.queue, DAY.format(8), wait=40, agent="a2"))
    calls.append(cdr("w9", tenant.queue, DAY.format(9), gave_up_after=30))
    ingest(http, database, settings, tenant, "/v1/calls", calls)
    return entry


def auth(key: str) -> dict[str, str]:
    """Return the Authorization header of a key."""
    return {"Authorization": f"Bearer {key}"}


def open_dispute(http, client: str, key: str, **body: Any):
    """POST a dispute (period 2026-11 unless given); return the response."""
    return http.post(
        f"/v1/sla/{client}/disputes", json={"period": "2026-11"} | body, headers=auth(key)
    )


def act(http, client: str, key: str, dispute: int, verb: str, **body: Any):
    """POST a step (`agree`, `reject`, `withdraw`, `comments`) on a dispute."""
    return http.post(
        f"/v1/sla/{client}/disputes/{dispute}/{verb}", json=body or None, headers=auth(key)
    )


def listed(http, client: str, key: str, **params: str) -> list[dict[str, Any]]:
    """Return the disputes a key reads."""
    response = http.get(f"/v1/sla/{client}/disputes", params=params, headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()["disputes"]
