"""The demo's measurements: vendor-a's values for ACME Bank, last month's and this month's.

Last month is confirmed throughout; this month one value (attrition) still awaits ACME Bank's
confirmation and the training pass rate misses its target, so the SLA page shows every case:
measured by CallPulse, submitted and confirmed, submitted and awaiting confirmation (○).
"""

from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.measures import repository, service

CLIENT, VENDOR = "acme", "vendor-a"
# measure → (last month, this month): a value, or (numerator, denominator)
VALUES: dict[str, tuple[float | tuple[int, int], float | tuple[int, int]]] = {
    "attrition_rate": ((3, 48), (2, 50)),
    "training_pass_rate": ((43, 50), (39, 50)),
    "employee_satisfaction": (87.0, 88.5),
    "report_timeliness": ((22, 22), (19, 20)),
    "platform_connect_rate": (0.995, 0.993),
    "seat_availability": (0.985, 0.982),
    "system_interruption_h": (1.5, 0.5),
}
AWAITING = {"attrition_rate"}  # this month's, not confirmed yet


def submit_demo(session: Session, today: date) -> int:
    """Submit and confirm the demo's values for the month before `today` and its month; return
    how many were stored. Running it again resubmits them (the same rows, values replaced)."""
    client = repository.client_by_code(session, CLIENT)
    vendor = repository.vendor_by_code(session, VENDOR)
    assert client is not None and vendor is not None, "apply examples/demo.yaml first"
    as_vendor = Principal(0, "vendor", vendor_id=vendor.id, name=f"{VENDOR} (demo)")
    as_client = Principal(0, "client", client_id=client.id, name="acme-demo")
    last = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    periods = (last, today.strftime("%Y-%m"))
    records = []
    for code, values in VALUES.items():
        for period, value in zip(periods, values, strict=True):
            sent = {"value": value} if isinstance(value, float) else {
                "numerator": value[0], "denominator": value[1]
            }  # fmt: skip
            records.append({"measure": code, "client": CLIENT, "period": period, **sent})
    answer = service.submit(session, as_vendor, records)
    assert not answer["rejected"], answer["rejected"]
    for stored in answer["accepted"]:
        if not (stored["period"] == periods[1] and stored["measure"] in AWAITING):
            service.decide(session, as_client, stored["id"], "confirmed")
    return len(answer["accepted"])
