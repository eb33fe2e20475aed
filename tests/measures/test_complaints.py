"""有理投诉率: tickets of type complaint, judged valid or not, over handled contacts."""

from app.kpi.aggregation import drain
from app.kpi.definitions import KPIS
from tests.contracts.helpers import apply, contract_entry, report
from tests.factories import cdr, post

DAY = "2026-11-20T09:{:02d}:00+08:00"


def _ticket(ticket_id: str, queue: str, minute: int, resolved: bool = True, **extra) -> dict:
    record = {"ticket_id": ticket_id, "queue": queue, "channel": "email",
              "created_at": DAY.format(minute), **extra}  # fmt: skip
    if resolved:
        record["resolved_at"] = DAY.format(minute + 30)
    return record


def _contacts(http, database, settings, tenant) -> None:
    """Six calls handled, one abandoned; four tickets resolved, two open. Of the tickets,
    three complaints: one valid (resolved), one not valid, one undecided (open)."""
    calls = [cdr(f"h{i}", tenant.queue, DAY.format(i), wait=5, agent="a1") for i in range(6)]
    calls.append(cdr("ab", tenant.queue, DAY.format(7), gave_up_after=40))
    assert post(http, "/v1/calls", calls, tenant).json()["accepted"] == 7
    tickets = [
        _ticket("t1", tenant.queue, 0, type="complaint", valid=True),
        _ticket("t2", tenant.queue, 1, type="complaint", valid=False),
        _ticket("t3", tenant.queue, 2, resolved=False, type="complaint"),
        _ticket("t4", tenant.queue, 3, type="inquiry"),
        _ticket("t5", tenant.queue, 4),
        _ticket("t6", tenant.queue, 5, resolved=False),
    ]
    assert post(http, "/v1/tickets", tickets, tenant).json()["accepted"] == 6
    drain(database, settings)


def test_valid_complaint_rate_by_hand(http, database, settings, tenant):
    _contacts(http, database, settings, tenant)
    response = http.get(
        "/v1/metrics",
        params={
            "client": tenant.client,
            "granularity": "day",
            "from": "2026-11-20",
            "to": "2026-11-21",
        },
        headers=tenant.auth(tenant.client_key),
    )
    assert response.status_code == 200, response.text
    [row] = response.json()["series"]
    # 1 valid complaint / (6 handled calls + 4 resolved tickets) = 0.1
    assert row["valid_complaint_rate"] == 1 / 10
    assert KPIS["valid_complaint_rate"].formula.startswith("valid complaint rate (有理投诉率) =")


def test_a_contract_scores_valid_complaint_rate(http, database, settings, tenant):
    _contacts(http, database, settings, tenant)
    targets = {
        "valid_complaint_rate": {"max": 0.0005, "weight": 10},
        "service_level": {"min": 0.8, "weight": 10},
    }
    apply(database, contract_entry(tenant, targets=targets))
    rows = {t["kpi"]: t for t in report(http, tenant, period="2026-11")["targets"]}
    assert (rows["valid_complaint_rate"]["actual"], rows["valid_complaint_rate"]["met"]) == (
        0.1,
        False,
    )
    assert rows["valid_complaint_rate"]["source"] == "measured"


def test_valid_needs_a_complaint(http, tenant):
    answer = post(http, "/v1/tickets", [_ticket("x1", tenant.queue, 0, valid=True)], tenant)
    [rejected] = answer.json()["rejected"]
    assert rejected["errors"] == [
        "valid: only a complaint is judged valid or not; add type: complaint or leave valid out"
    ]
