"""Post a batch to `POST /v1/feeds/{name}`: gzip, the key, and what each answer means."""

import gzip
import random
from dataclasses import dataclass
from typing import Any

import httpx

from ingest.ship.source import ShipError

USER_AGENT = "callpulse-ship"


class Unavailable(Exception):
    """The server cannot take the batch now (unreachable, 429, 503, 5xx): retry later."""

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


class TooLarge(Exception):
    """The server refused the batch's size (413): send it in smaller parts."""


@dataclass
class Backoff:
    """Exponential waits with jitter, from `first_s` up to `cap_s`; Retry-After wins."""

    first_s: float = 0.5
    cap_s: float = 30.0
    failures: int = 0

    def next_s(self, retry_after_s: float | None) -> float:
        """Return how long to wait before the next attempt, counting this failure."""
        self.failures += 1
        if retry_after_s is not None:
            return retry_after_s
        ceiling = min(self.cap_s, self.first_s * 2 ** (self.failures - 1))
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        """Forget the failures after a success."""
        self.failures = 0


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.replace(".", "", 1).isdigit() else None


class Sender:
    """Send bodies of one feed to one server with one key."""

    def __init__(self, url: str, feed: str, key: str, timeout_s: float = 30.0) -> None:
        self.endpoint = f"{url.rstrip('/')}/v1/feeds/{feed}"
        self.client = httpx.Client(
            timeout=timeout_s,
            headers={"Authorization": f"Bearer {key}", "User-Agent": USER_AGENT},
        )

    def send(self, body: bytes, content_type: str) -> dict[str, Any]:
        """Post one body; return the answer, or raise Unavailable / TooLarge / ShipError."""
        headers = {"Content-Type": content_type, "Content-Encoding": "gzip"}
        try:
            response = self.client.post(
                self.endpoint, content=gzip.compress(body, compresslevel=5), headers=headers
            )
        except httpx.TransportError as exc:
            raise Unavailable(f"cannot reach {self.endpoint}: {exc}") from None
        status = response.status_code
        if status in (429, 503) or status >= 500:
            raise Unavailable(f"server answered {status}", _retry_after(response))
        if status == 413:
            raise TooLarge(response.text)
        if status >= 400:
            raise ShipError(f"server answered {status} to {self.endpoint}: {_error(response)}")
        return response.json() if response.content else {}

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()


def _error(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", response.text))
    except ValueError:
        return response.text[:300]
