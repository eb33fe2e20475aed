"""Every route of an app, with included routers flattened, across FastAPI versions."""

from collections.abc import Iterator, Sequence
from typing import Any

try:  # FastAPI ≥ 0.16x keeps included routers as groups and flattens them on demand
    from fastapi.routing import iter_route_contexts as _contexts
except ImportError:  # older FastAPI copies every included route into `app.routes`
    _contexts = None  # type: ignore[assignment]


def flat_routes(routes: Sequence[Any]) -> Iterator[Any]:
    """Yield each route (or its context, which answers the same attributes) once."""
    if _contexts is None:
        yield from routes
    else:
        yield from _contexts(routes)
