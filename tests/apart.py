"""Run a coroutine on an event loop of its own, whatever the test's thread already runs."""

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

Result = TypeVar("Result")


def run_apart(scenario: Coroutine[Any, Any, Result]) -> Result:
    """Run a coroutine on a new event loop in a thread of its own and return its result: the
    page tests' Playwright keeps a loop running in the test thread for the session, where
    `asyncio.run` would refuse."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, scenario).result()
