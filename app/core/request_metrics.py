"""An ASGI middleware that times every HTTP request under its route template.

The label is the template a request matched (`/v1/queues/{code}/live`, or a mount such
as `/wall`), never the raw path, so codes in paths never become labels.
"""

import time

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.metrics import observe_request
from app.core.routes import flat_routes

UNMATCHED = "unmatched"


def route_template(scope: Scope) -> str:
    """Return the template of the route `scope` matches, or `unmatched`."""
    partial = None
    for route in flat_routes(scope["app"].router.routes):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(route.path)
        if match is Match.PARTIAL and partial is None:
            partial = str(route.path)  # the path matched, the method did not (405)
    return partial or UNMATCHED


class RequestMetrics:
    """Record method, route template, status and duration of each HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        routing = dict(scope)  # as the router first sees it: mounts rewrite the scope
        started = time.perf_counter()
        status = 500  # what the server answers if the app fails before responding

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = route_template(routing)
            observe_request(scope["method"], route, status, time.perf_counter() - started)
