"""A client whose month is open with a whole day behind it, whatever day the tests run."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.apply.file import TenancyFile
from app.apply.service import apply_tenancy
from tests.contracts.helpers import DESIGN_CONTRACT, apply, contract_entry, ingest, key
from tests.factories import Tenant, cdr

# Local dates in UTC+14 and UTC−12 are a day or two apart, so one of them is not the 1st.
ZONES = ("Pacific/Kiritimati", "Etc/GMT+12")


@dataclass(frozen=True)
class OpenMonth:
    """The client's code, queue, timezone, key, and its current month (`YYYY-MM`)."""

    client: str
    queue: str
    zone: str
    key: str
    month: str
    contract: dict[str, Any]


def open_month(http, database, settings, tenant: Tenant, **more: Any) -> OpenMonth:
    """Add a client (timezone from `ZONES`) served by the tenant's vendor under DESIGN §10's
    contract, with ten calls yesterday: 8 answered in 10 s, 1 in 40 s, 1 abandoned after 30 s
    (SL 0.80 met, abandon 0.10 missed, ASA 13.3 s met, no CSAT: 75.00, band 0.90).
    `more` are further tenancy entries (notifiers, alert rules) for the new client's queue."""
    now = datetime.now(UTC)
    zone = next(z for z in ZONES if now.astimezone(ZoneInfo(z)).day != 1)
    local_now = now.astimezone(ZoneInfo(zone))
    code, queue = f"p{secrets.token_hex(4)}", f"pq{secrets.token_hex(4)}"
    spec = {
        "clients": [{"code": code, "name": "Projected", "timezone": zone}],
        "queues": [{"code": queue, "client": code, "vendors": [tenant.vendor]}],
    }
    with database.session_scope() as session:
        apply_tenancy(session, TenancyFile.model_validate(spec | more))
    entry = contract_entry(
        tenant,
        client=code,
        queues=[queue],
        valid_from="2020-01-01",
        valid_to="2099-12-31",
        **DESIGN_CONTRACT,
    )
    apply(database, entry)
    noon = (local_now - timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    at = [(noon + timedelta(minutes=i)).isoformat() for i in range(10)]
    calls = [cdr(f"p{i}", queue, at[i], wait=10) for i in range(8)]
    calls += [cdr("p8", queue, at[8], wait=40), cdr("p9", queue, at[9], gave_up_after=30)]
    ingest(http, database, settings, tenant, "/v1/calls", calls)
    client_key = key(database, "client", client_code=code)
    return OpenMonth(code, queue, zone, client_key, local_now.strftime("%Y-%m"), entry)
