"""Complete FastAPI's OpenAPI document with what the routes do not declare themselves.

Each operation gets the bearer scheme when it reads a key, every error status it can
answer with the one error body of `app.core.errors` (`{"error": "..."}`), and the
constraints and examples a `Reference` adds. Statuses follow from each route's
dependencies (a key → 401/429, a kind check → 403, the database → 503, parameters →
400/422, path parameters → 404), so a new route is documented without editing this file.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.core.db import get_database, get_session
from app.core.routes import flat_routes

SCHEME = "apiKey"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "description": "Every error answer: what went wrong, naming the field, and what to do next.",
    "required": ["error"],
    "properties": {"error": {"type": "string", "examples": ["period: required, e.g. 2026-11"]}},
}
RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}
}
STATUSES: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("Bad request: a parameter or body that cannot be read; the message names it.", {}),
    401: (
        "Missing, unknown or revoked API key: send `Authorization: Bearer <key>`.",
        {"WWW-Authenticate": {"schema": {"type": "string"}}},
    ),
    403: ("This kind of key may not do this; the message names the kind needed.", {}),
    404: ("Unknown code or id, or one this key may not see.", {}),
    409: ("Conflicts with the current state, e.g. an alert already resolved.", {}),
    413: (
        "Body over `CALLPULSE_MAX_BODY_BYTES` or more than `CALLPULSE_MAX_BATCH_RECORDS`"
        " records: split the batch.",
        {},
    ),
    415: ("Unsupported Content-Type: send application/json, application/x-ndjson or text/csv.", {}),
    422: ("A parameter breaks its constraint; the message names it.", {}),
    429: ("Too many requests (rate limit or overload): retry after `Retry-After`.", RETRY_AFTER),
    503: ("Database unavailable: retry after `Retry-After` seconds.", RETRY_AFTER),
}


@dataclass(frozen=True)
class Reference:
    """What routes do not say about themselves, keyed by (method, path template).

    Statuses listed here add to those derived from dependencies: a route that answers
    409, 413 or 415 names them here. `reads_key` is the dependency that reads the caller's
    API key (routes depending on it get the bearer scheme, 401 and 429): passed in, because
    keys belong to `app.access`, a layer above this one.
    """

    reads_key: Callable[..., Any]
    statuses: Mapping[tuple[str, str], set[int]] = field(default_factory=dict)
    optional_key: set[tuple[str, str]] = field(default_factory=set)
    parameters: Mapping[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    notes: Mapping[tuple[str, str], str] = field(default_factory=dict)
    request_examples: Mapping[tuple[str, str], dict[str, dict[str, Any]]] = field(
        default_factory=dict
    )
    response_examples: Mapping[tuple[str, str], Any] = field(default_factory=dict)
    field_descriptions: Mapping[str, dict[str, str]] = field(default_factory=dict)


def install_openapi(api: FastAPI, reference: Reference) -> None:
    """Make `api.openapi()` return the completed document (built once, then cached)."""
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            complete(generate(), api.routes, reference)
        return api.openapi_schema  # type: ignore[return-value]

    api.openapi = openapi  # type: ignore[method-assign]


def complete(schema: dict[str, Any], routes: list[Any], reference: Reference) -> None:
    """Add security, error statuses, constraints and examples to every operation."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(name, None)
    for name, descriptions in reference.field_descriptions.items():
        for field_name, text in descriptions.items():
            components["schemas"][name]["properties"][field_name]["description"] = text
    components["securitySchemes"] = {
        SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from `callpulse keys create`: vendor keys push records;"
            " client, supervisor and admin keys read (admin keys also scrape `/metrics`).",
        }
    }
    for route in flat_routes(routes):
        if not isinstance(getattr(route, "original_route", route), APIRoute):
            continue
        if not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = schema["paths"][route.path_format][method.lower()]
            _document(operation, route, (method, route.path_format), reference)


def _document(
    operation: dict[str, Any], route: Any, key: tuple[str, str], reference: Reference
) -> None:
    dependants = list(_dependants(route.dependant))
    calls = {d.call for d in dependants if d.call is not None}
    keyed = reference.reads_key in calls
    if keyed:
        operation["security"] = [{SCHEME: []}]
    elif key in reference.optional_key:
        operation["security"] = [{SCHEME: []}, {}]
    statuses = _statuses(dependants, calls, keyed) | reference.statuses.get(key, set())
    if "422" in operation["responses"]:
        statuses.add(422)  # FastAPI's own, whose body our handler renders as an Error
    for status in sorted(statuses):
        operation["responses"][str(status)] = _error_answer(status)
    _constrain(operation, key, reference)
    if key in reference.notes:
        operation["description"] = f"{operation.get('description', '')}\n\n{reference.notes[key]}"
    for media, examples in reference.request_examples.get(key, {}).items():
        operation["requestBody"]["content"][media]["examples"] = examples
    if key in reference.response_examples:
        content = operation["responses"]["200"].setdefault("content", {})
        content.setdefault("application/json", {})["example"] = reference.response_examples[key]


def _error_answer(status: int) -> dict[str, Any]:
    description, headers = STATUSES[status]
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _constrain(operation: dict[str, Any], key: tuple[str, str], reference: Reference) -> None:
    """Lay the reference's constraints over the operation's parameters."""
    for parameter in operation.get("parameters", []):
        patch = reference.parameters.get((*key, parameter["name"]))
        if patch:
            parameter["required"] = patch.get("required", parameter.get("required", False))
            parameter["schema"] = _merge(parameter["schema"], patch.get("schema", {}))
            if "description" in patch:
                parameter["description"] = patch["description"]


def _merge(schema: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Return `schema` with `patch` laid over it; a patched type or enum replaces `anyOf`."""
    merged = {**schema, **patch}
    if ("type" in patch or "enum" in patch) and "anyOf" not in patch:
        merged.pop("anyOf", None)
    return merged


def _statuses(dependants: list[Dependant], calls: set[Callable[..., Any]], keyed: bool) -> set[int]:
    """Return the error statuses a route's dependencies and parameters can answer."""
    statuses: set[int] = set()
    if keyed:
        statuses |= {401, 429}
    if any(getattr(call, "__qualname__", "").startswith("require_kind.") for call in calls):
        statuses.add(403)
    if keyed or calls & {get_session, get_database}:  # reading the key uses the database
        statuses.add(503)
    if any(d.path_params or d.query_params for d in dependants):
        statuses |= {400, 422}
    if any(d.path_params for d in dependants):
        statuses.add(404)
    return statuses


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    """Yield a route's dependant and every dependency under it, depth first."""
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependants(dependency)
