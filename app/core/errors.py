"""One error family, rendered by one handler; database outages become 503, never 500."""

import logging
from collections.abc import Awaitable, Callable

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InternalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.outage import UNAVAILABLE, RefusalLog

log = logging.getLogger(__name__)


class AppError(Exception):
    """An expected failure with a message for the caller and an HTTP status."""

    status_code = 400

    def __init__(self, message: str, status_code: int | None = None, **headers: str) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.headers = {key.replace("_", "-"): value for key, value in headers.items()}


class NotAuthenticated(AppError):
    """No key, or a key that matches nothing."""

    status_code = 401


class Forbidden(AppError):
    """A valid key that may not do this."""

    status_code = 403


class NotFound(AppError):
    """The thing asked for does not exist (or is not visible to this key)."""

    status_code = 404


class PayloadTooLarge(AppError):
    """A body above the configured byte or record limit."""

    status_code = 413


class UnsupportedMediaType(AppError):
    """A body in a format the endpoint does not read."""

    status_code = 415


class RateLimited(AppError):
    """Too many requests from one key."""

    status_code = 429


class ServerBusy(AppError):
    """More work than the process takes on at once: refused at once, to be retried."""

    status_code = 503


class ClientGone(AppError):
    """The client hung up before its work started; nobody reads this answer."""

    status_code = 499


class ConfigError(AppError):
    """A YAML file or CLI argument that cannot be applied."""


def install_error_handlers(app: FastAPI, retry_after_s: int) -> None:
    """Render AppError, the framework's refusals, validation errors and database outages as
    JSON."""

    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(
            {"error": exc.message}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(StarletteHTTPException)
    async def framework_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # The framework's own refusals (a JSON body that cannot be decoded, an unknown path)
        # in the one error shape, not `{"detail": …}`.
        return JSONResponse(
            {"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [  # a body missing as a whole is named `body`
            f"{'.'.join(str(p) for p in e['loc'] if p not in ('query', 'path', 'body')) or 'body'}"
            f": {e['msg']}"
            for e in exc.errors()
        ]
        return JSONResponse({"error": "; ".join(errors)}, status_code=422)

    def retry_later(
        log_as: str, error: str
    ) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
        """Return a handler answering 503 + Retry-After with `error`, logging `log_as` (one
        line now and then, `RefusalLog`)."""
        refusals = RefusalLog(log)

        async def handler(_: Request, exc: Exception) -> JSONResponse:
            refusals.refused(log_as, exc)
            return JSONResponse(
                {"error": f"{error}; retry after the delay in Retry-After"},
                status_code=503,
                headers={"Retry-After": str(retry_after_s)},
            )

        return handler

    database_unavailable = retry_later("database unavailable", "database unavailable")
    pool_exhausted = retry_later(
        "server busy: no free database connection",
        "server busy: every database connection is in use",
    )
    # a write on a standby: a demoted primary that a proxy still routes to (25006)
    read_only = retry_later("database read-only", "database read-only during a failover")

    async def internal_error(request: Request, exc: InternalError) -> JSONResponse:
        if isinstance(exc.orig, psycopg.errors.ReadOnlySqlTransaction):
            return await read_only(request, exc)
        raise exc  # any other internal error stays a 500, with its traceback in the log

    app.add_exception_handler(PoolTimeoutError, pool_exhausted)  # type: ignore[arg-type]
    app.add_exception_handler(InternalError, internal_error)  # type: ignore[arg-type]
    app.add_exception_handler(psycopg.errors.ReadOnlySqlTransaction, read_only)
    for exc_type in UNAVAILABLE:
        app.add_exception_handler(exc_type, database_unavailable)  # type: ignore[arg-type]
