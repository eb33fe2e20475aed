"""Refuse query and path values the database or the calendar cannot hold, naming them.

Installed once as an app-wide dependency, so every route answers 400 naming the parameter
(instead of a 500 from PostgreSQL or from date arithmetic), whatever its own checks.
"""

import re
from typing import Any, get_args

from fastapi import Request
from fastapi.dependencies.models import Dependant

from app.core.errors import AppError

BIGINT_MAX = 2**63 - 1
YEARS = (1900, 2999)
_INTEGER = re.compile(r"^[+-]?\d+(?:_\d+)*$")  # as pydantic reads one: `1_000` too
_DATE_LIKE = re.compile(r"^([+-]?\d{4,})-(?:\d{2}|W\d{2})(?:$|[-T ])")


def check_parameters(request: Request) -> None:
    """Raise AppError (400) for the first path or query value that cannot be used."""
    integers = _integer_parameters(request.scope.get("route"))
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        problem = parameter_problem(str(value), name in integers)
        if problem:
            raise AppError(f"{name}: {problem}")


def parameter_problem(value: str, integer: bool) -> str | None:
    """Return what is wrong with one parameter value, or None."""
    shown = value if len(value) <= 40 else f"{value[:40]}…"
    if "\x00" in value:
        return "contains a NUL character (\\x00); remove it"
    number = value.strip()  # pydantic reads " 12\r" as 12
    if integer and _INTEGER.match(number) and abs(int(number)) > BIGINT_MAX:
        return f"{shown} is out of range (at most {BIGINT_MAX})"
    date = _DATE_LIKE.match(value)
    if date and not YEARS[0] <= int(date.group(1)) <= YEARS[1]:
        return f"{shown} is out of range: use dates in the years {YEARS[0]} to {YEARS[1]}"
    return None


def _integer_parameters(route: Any) -> frozenset[str]:
    """Return the names of the route's path and query parameters declared as integers.

    Walking the route's few parameters per request is cheaper than any cache key for it.
    """
    dependant = getattr(route, "dependant", None)
    return frozenset(_integers(dependant)) if isinstance(dependant, Dependant) else frozenset()


def _integers(dependant: Dependant) -> list[str]:
    names = [
        field.alias
        for field in [*dependant.path_params, *dependant.query_params]
        if int in (field.field_info.annotation, *get_args(field.field_info.annotation))
    ]
    for sub in dependant.dependencies:
        names += _integers(sub)
    return names
