"""The plan page's download: `/plan/export/{queue}.csv?date=YYYY-MM-DD`.

The same CSV as `GET /v1/queues/{code}/plan?format=csv` (headers in English and 中文, times in
the client's timezone), authenticated by the page's session cookie (the guard attaches the
principal), so the link on the page needs no API key.
"""

import urllib.parse

import flask

from app.core.config import Settings
from app.core.db import Database
from app.core.downloads import attachment
from app.core.errors import AppError
from app.forecasting.plan import plan_day
from app.forecasting.plan_csv import plan_csv, plan_csv_name
from dashboards import data
from dashboards.guard import principal_from
from dashboards.sla.export import plain_response


def export_href(queue: str, day: str) -> str:
    """Return the page's link to a plan's CSV."""
    return f"/plan/export/{urllib.parse.quote(queue)}.csv?date={day}"


def export(database: Database, settings: Settings, queue: str) -> flask.Response:
    """Serve a plan as CSV: the bytes `GET /v1/queues/{queue}/plan?format=csv` gives."""
    principal = principal_from(flask.request.headers)
    try:
        day = plan_day(flask.request.args.get("date"))
        plan = data.queue_plan(database, settings, principal, queue, day)
    except AppError as exc:
        return plain_response(exc.message, exc.status_code)
    body = "".join(plan_csv(plan)).encode()
    return flask.Response(
        body, content_type="text/csv; charset=utf-8", headers=attachment(plan_csv_name(plan))
    )
