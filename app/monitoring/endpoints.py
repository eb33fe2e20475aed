"""`GET /metrics`: Prometheus text for an admin key, or for allowed addresses without one."""

from ipaddress import ip_address, ip_network

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response

from app.access.auth import current_principal, require_kind
from app.core.errors import NotAuthenticated
from app.core.metrics import CONTENT_TYPE, exposition
from app.monitoring.collector import DatabaseCollector

router = APIRouter(tags=["operations"])
admin_key = require_kind("admin")


def address_allowed(host: str | None, allowed: list[str]) -> bool:
    """Say whether a client address lies in one of the allowed networks (CIDR)."""
    try:
        address = ip_address(host or "")
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:  # type: ignore[union-attr]
        address = address.ipv4_mapped  # type: ignore[union-attr]
    return any(address in ip_network(network) for network in allowed)


def scraper(request: Request) -> None:
    """Admit an admin key, or a request without a key from `CALLPULSE_METRICS_ALLOW`."""
    if request.headers.get("authorization"):
        admin_key(current_principal(request))
        return
    host = request.client.host if request.client else None
    if not address_allowed(host, request.app.state.settings.metrics_allow_networks):
        raise NotAuthenticated(
            "send an admin key as `Authorization: Bearer <key>`, or scrape from an address"
            " in CALLPULSE_METRICS_ALLOW",
            WWW_Authenticate="Bearer",
        )


@router.get("/metrics", dependencies=[Depends(scraper)], response_class=PlainTextResponse)
def metrics(request: Request) -> Response:
    """Operational figures in Prometheus text format (no tenant data).

    Ingest records by kind and outcome, rejections by field, aggregation lag and pass
    time, alert evaluations and deliveries, HTTP latency by route template. Scrape it with
    an admin key as a bearer token, or without a key from an address the operator allows
    (`CALLPULSE_METRICS_ALLOW`, loopback by default).
    """
    collector = DatabaseCollector(request.app.state.database)
    return Response(exposition([collector]), media_type=CONTENT_TYPE)
