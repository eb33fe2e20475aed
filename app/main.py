"""The FastAPI app factory: routers, error handlers, and the scheduler's lifespan."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy import text

import app
from app.access.login import router as login_router
from app.access.sessions import session_secret
from app.alerts.endpoints import router as alerts_router
from app.api_reference import REFERENCE
from app.audit.endpoints import router as audit_router
from app.closing.endpoints import router as closing_router
from app.contracts.endpoints import router as sla_router
from app.core.admission import Admission, AdmitIngest
from app.core.change_clock import ChangeClock
from app.core.changes import ChangeListener
from app.core.config import Settings, get_settings
from app.core.db import Database, libpq_url
from app.core.docs import install_docs
from app.core.errors import install_error_handlers
from app.core.headers import install_security_headers
from app.core.openapi import install_openapi
from app.core.parameters import check_parameters
from app.core.ratelimit import RateLimiter
from app.core.request_metrics import RequestMetrics
from app.disputes.endpoints import router as disputes_router
from app.evidence.endpoints import router as evidence_router
from app.forecasting.endpoints import router as plan_router
from app.jobs import Jobs
from app.kpi.endpoints import router as kpi_router
from app.measures.endpoints import router as measures_router
from app.monitoring.endpoints import router as monitoring_router
from app.partitions import PartitionManager
from app.quality.endpoints import router as quality_router
from app.rejects.endpoints import router as rejects_router
from app.scorecard.endpoints import router as scorecard_router
from app.tenancy.endpoints import router as tenancy_router
from ingest.endpoints import ROUTES as INGEST_ROUTES
from ingest.endpoints import router as ingest_router
from ingest.feed_endpoints import router as feed_router
from ingest.forecast_endpoints import PATH as FORECAST_PATH
from ingest.forecast_endpoints import router as forecast_router
from ingest.forecast_service import ForecastService
from ingest.qa_endpoints import PATH as QA_PATH
from ingest.qa_endpoints import router as qa_router
from ingest.qa_service import QaIngestService
from ingest.schedules import ScheduleService
from ingest.service import IngestService


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the CallPulse app; it connects lazily, so it starts even while PostgreSQL is down."""
    settings = settings or get_settings()
    database = database or Database.from_settings(settings)
    partitions = PartitionManager(database.engine)
    versions = ChangeClock(settings.wall_change_gap_s)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        gc.freeze()  # start-up objects live forever: keep them out of every GC pass
        # A batch of 1,000 records keeps some 10,000 objects alive until it is written: at
        # the default 700 allocations a young collection ran every ~70 records and walked
        # them all (bench/ingest.py: server 23.3-24.2 → 21.1-21.2 µs a CDR)
        gc.set_threshold(50_000, 20, 10)
        jobs = Jobs(database, partitions, settings) if settings.scheduler else None
        subscribers = [versions.heard, *([jobs.heard] if jobs else [])]
        listener = ChangeListener(libpq_url(database.url), subscribers).start()
        if jobs:
            jobs.start()
        yield
        if jobs:
            jobs.shutdown()
        listener.stop()

    api = FastAPI(
        title="CallPulse",
        version=app.__version__,
        summary="Real-time KPI monitoring for outsourced contact centers.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(check_parameters)],
    )
    api.state.settings = settings
    api.state.database = database
    api.state.rate_limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
    api.state.ingest_service = IngestService(database, partitions, settings)
    api.state.qa_ingest_service = QaIngestService(database, settings)
    api.state.schedule_service = ScheduleService(database, settings)
    api.state.forecast_service = ForecastService(database, settings)
    install_error_handlers(api, settings.db_retry_after_s)
    api.add_middleware(  # the innermost middleware: security headers and metrics see refusals
        AdmitIngest,
        admission=Admission(settings.max_ingest_in_flight, settings.ingest_slot_wait_ms / 1000),
        paths=[f"{ingest_router.prefix}/{kind}" for kind in INGEST_ROUTES]
        + [f"{qa_router.prefix}{QA_PATH}", f"{forecast_router.prefix}{FORECAST_PATH}"],
        prefixes=[f"{feed_router.prefix}/feeds/"],
    )
    install_security_headers(api, settings)
    api.include_router(ingest_router)
    api.include_router(quality_router)
    api.include_router(feed_router)
    api.include_router(kpi_router)
    api.include_router(evidence_router)
    api.include_router(tenancy_router)
    api.include_router(alerts_router)
    api.include_router(audit_router)
    api.include_router(closing_router)
    api.include_router(disputes_router)
    api.include_router(sla_router)
    api.include_router(scorecard_router)
    api.include_router(login_router)
    api.include_router(monitoring_router)
    api.include_router(rejects_router)
    api.include_router(qa_router)
    api.include_router(forecast_router)
    api.include_router(measures_router)
    api.include_router(plan_router)
    api.add_middleware(RequestMetrics)
    install_docs(api)
    install_openapi(api, REFERENCE)
    _mount_pages(api, database, settings, versions)

    @api.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Answer 200 when the API and its database are up, 503 otherwise."""
        with database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "database": "ok"}

    return api


def _mount_pages(
    api: FastAPI, database: Database, settings: Settings, versions: ChangeClock
) -> None:
    """Mount the Dash wallboard, the SLA page and the plan page behind the guard, and send /
    to the wallboard.

    Share links open the wallboard only; the SLA and plan pages are for logged-in users.
    """
    from dashboards.guard import Guard
    from dashboards.plan.page import create_plan_page
    from dashboards.sla.page import create_sla_page
    from dashboards.wall_changes import ChangeFeed, Pushes
    from dashboards.wallboard import LiveBoards, create_wallboard

    secret = session_secret(settings)
    live = LiveBoards(database, settings, versions)
    changes = ChangeFeed(versions, Pushes(live.tiles, versions.drawn))
    wall_guarded = Guard(create_wallboard(live), database, secret, "/wall", changes=changes)
    api.mount("/wall", wall_guarded)  # type: ignore[arg-type]
    sla_page = create_sla_page(database, settings)
    sla_guarded = Guard(sla_page, database, secret, "/sla", share_links=False)
    api.mount("/sla", sla_guarded)  # type: ignore[arg-type]
    plan_page = create_plan_page(database, settings)
    plan_guarded = Guard(plan_page, database, secret, "/plan", share_links=False)
    api.mount("/plan", plan_guarded)  # type: ignore[arg-type]

    @api.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/wall/")
