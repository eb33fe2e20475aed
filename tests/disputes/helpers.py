"""Requests of the dispute tests: open, act on and list disputes with a key."""

from typing import Any


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
