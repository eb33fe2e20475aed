"""The SLA page's downloads: `/sla/export/{client}.{csv|xlsx|pdf}?period=…&contract=…&lang=…`.

The same bytes as `GET /v1/sla/{client}.{fmt}`, authenticated by the page's session cookie
(the guard attaches the principal), so a link on the page needs no API key.
"""

import flask

from app.contracts.periods import required_period
from app.core.db import Database
from app.core.downloads import attachment
from app.core.errors import AppError
from dashboards import data
from dashboards.guard import principal_from


def export(database: Database, client: str, fmt: str) -> flask.Response:
    """Serve the report as CSV, Excel or PDF: the bytes `GET /v1/sla/{client}.{fmt}` gives."""
    principal = principal_from(flask.request.headers)
    period = flask.request.args.get("period", "")
    contract = flask.request.args.get("contract") or None
    lang = "zh" if flask.request.args.get("lang") == "zh" else "en"
    try:
        body, media_type, name = data.sla_export(
            database, principal, client, required_period(period), contract, fmt, lang
        )
    except AppError as exc:
        return plain_response(exc.message, exc.status_code)
    return flask.Response(body, content_type=media_type, headers=attachment(name))


def plain_response(text: str, status: int) -> flask.Response:
    """Answer a download that cannot be served with its reason as plain text."""
    return flask.Response(text, status=status, content_type="text/plain; charset=utf-8")
