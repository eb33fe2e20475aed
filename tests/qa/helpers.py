"""Shared builders of the QA tests: evaluations, and the calls and tickets they evaluate."""

from typing import Any

from tests.factories import Tenant, cdr, post

PATH = "/v1/qa-evaluations"


def evaluation(
    evaluation_id: str,
    queue: str,
    *,
    call_id: str | None = None,
    ticket_id: str | None = None,
    agent: str = "a1",
    at: str = "2026-11-20T15:00:00+08:00",
    fatal: int = 0,
    non_fatal: int = 0,
    score: float = 90,
    **extra: Any,
) -> dict[str, Any]:
    """An evaluation of a call (or ticket) by QA analyst `qa1`, from a recording."""
    record: dict[str, Any] = {
        "evaluation_id": evaluation_id,
        "queue": queue,
        "agent": agent,
        "evaluator": "qa1",
        "evaluated_at": at,
        "mode": "recording",
        "fatal_errors": fatal,
        "non_fatal_errors": non_fatal,
        "score": score,
        **extra,
    }
    if call_id is not None:
        record["call_id"] = call_id
    if ticket_id is not None:
        record["ticket_id"] = ticket_id
    return record


def handled_calls(
    client, tenant: Tenant, queue: str, ids: list[str], agent: str = "a1", key: str | None = None
) -> None:
    """Push answered calls of `agent` on 2026-11-20, one a minute from 09:00 Shanghai time."""
    records = [
        cdr(i, queue, f"2026-11-20T09:{n:02d}:00+08:00", wait=5, agent=agent)
        for n, i in enumerate(ids)
    ]
    response = post(client, "/v1/calls", records, tenant, key=key)
    assert response.status_code == 200 and response.json()["accepted"] == len(ids), response.text


def logged_in(client, tenant: Tenant, agent: str, day: str, hours: tuple[int, int]) -> None:
    """Log `agent` in (available) on local `day` from `hours[0]` to `hours[1]` o'clock."""
    records = [
        {
            "agent": agent,
            "state": state,
            "at": f"{day}T{hour:02d}:00:00+08:00",
            "queues": [tenant.queue],
        }
        for state, hour in (("available", hours[0]), ("logged_out", hours[1]))
    ]
    response = post(client, "/v1/agent-events", records, tenant)
    assert response.json()["accepted"] == 2, response.text


def metrics(http, tenant: Tenant, **params: str) -> list[dict[str, Any]]:
    """Return the `/v1/metrics` series the client's key reads."""
    response = http.get("/v1/metrics", params=params, headers=tenant.auth(tenant.client_key))
    assert response.status_code == 200, response.text
    return response.json()["series"]
