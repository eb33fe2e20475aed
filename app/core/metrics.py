"""The Prometheus instruments of every process, declared once, and how they are exposed.

Labels are bounded and carry no tenant data: record kinds, feed formats, outcomes, field
names of the record schema, notifier types, route templates — never a client, vendor, queue
or agent code, never a feed name, never a value from a record.

`callpulse serve` (any number of workers) and `callpulse worker` share one directory
(`CALLPULSE_METRICS_DIR`) in prometheus-client's multiprocess mode, so `/metrics` of any
process on the host sums every process's figures. prometheus-client picks its value store
when it is first imported, so it is imported here lazily, after the CLI chose the mode.
"""

import logging
import os
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram

log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PASS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


@dataclass(frozen=True)
class Instruments:
    """Every counter and histogram CallPulse records."""

    ingest_records: "Counter"
    ingest_rejections: "Counter"
    feed_records: "Counter"
    aggregation_passes: "Histogram"
    aggregation_markers: "Counter"
    alert_evaluations: "Counter"
    alert_deliveries: "Counter"
    http_requests: "Counter"
    http_duration: "Histogram"


_CREATING = threading.Lock()
_made: list[Instruments] = []


def instruments() -> Instruments:
    """Return the instruments, created on first use (in the mode `use_directory` chose).

    Created under a lock: at the first requests the event loop and a worker thread may both
    ask, and a second registration fails "Duplicated timeseries in CollectorRegistry".
    """
    if not _made:
        with _CREATING:
            if not _made:
                _made.append(_create())
    return _made[0]


def _create() -> Instruments:
    from prometheus_client import Counter, Histogram

    return Instruments(
        ingest_records=Counter(
            "callpulse_ingest_records",
            "Ingested records by kind and outcome (accepted, duplicate, rejected).",
            ["kind", "outcome"],
        ),
        ingest_rejections=Counter(
            "callpulse_ingest_rejections",
            "Rejected records by kind and reason: the schema field at fault, `record` for"
            " a whole-record rule, `other` for a field the schema does not know.",
            ["kind", "reason"],
        ),
        feed_records=Counter(
            "callpulse_feed_records",
            "Source records received through feeds (`POST /v1/feeds/{name}`, `callpulse"
            " import --feed`) by format and outcome (accepted, duplicate, rejected).",
            ["format", "outcome"],
        ),
        aggregation_passes=Histogram(
            "callpulse_aggregation_pass_seconds",
            "Duration of aggregation passes that took markers.",
            buckets=PASS_BUCKETS,
        ),
        aggregation_markers=Counter(
            "callpulse_aggregation_markers",
            "Dirty-interval markers taken by aggregation passes.",
        ),
        alert_evaluations=Counter(
            "callpulse_alert_evaluations",
            "Alert rule evaluations on a queue, by the action they led to.",
            ["action"],
        ),
        alert_deliveries=Counter(
            "callpulse_alert_deliveries",
            "Alert notifications by notifier type and outcome (after retries).",
            ["notifier_type", "outcome"],
        ),
        http_requests=Counter(
            "callpulse_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
        ),
        http_duration=Histogram(
            "callpulse_http_request_duration_seconds",
            "HTTP request latency by method and route template, to the end of the body.",
            ["method", "route"],
        ),
    )


def use_directory(directory: Path) -> None:
    """Share figures through `directory` (multiprocess mode) from now on, in this process
    and in the processes it starts; forget the files of processes that have ended.

    An unwritable directory is logged and leaves each process reporting only its own
    figures: metrics never keep CallPulse from starting.
    """
    if "prometheus_client" in sys.modules and os.environ.get(MULTIPROC_ENV) != str(directory):
        raise RuntimeError("prometheus_client was imported before the metrics directory was set")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for path in directory.glob("*.db"):
            pid = path.stem.rpartition("_")[2]
            if pid.isdigit() and not _alive(int(pid)):
                path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning(
            "metrics directory %s unusable (%s): each process reports only its own figures;"
            " set CALLPULSE_METRICS_DIR to a writable directory",
            directory,
            exc,
        )
        return
    os.environ[MULTIPROC_ENV] = str(directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exposition(extra: Iterable[Any] = ()) -> bytes:
    """Render every process's figures, plus `extra` collectors read now, as Prometheus text."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

    instruments()  # every family appears from the first scrape, even at zero
    scraped = CollectorRegistry(auto_describe=False)
    for collector in extra:
        scraped.register(collector)
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared, directory)
        return generate_latest(shared) + generate_latest(scraped)
    return generate_latest(REGISTRY) + generate_latest(scraped)


def reason_label(error: str, fields: Iterable[str]) -> str:
    """Return the field an error line (`field: message`) names, bounded to the schema's."""
    field = error.partition(":")[0].split(".")[0].strip()
    if field == "record" or field in fields:
        return field
    return "other"


class BatchOutcome(Protocol):
    """What an ingest batch came to (`ingest.service.IngestResult`)."""

    accepted: int
    duplicates: int
    rejected: list[dict[str, Any]]


def count_ingest(kind: str, fields: Iterable[str], outcome: BatchOutcome) -> None:
    """Count a batch's records by outcome, and its rejections by reason."""
    counters = instruments()
    known = frozenset(fields)
    counters.ingest_records.labels(kind, "accepted").inc(outcome.accepted)
    counters.ingest_records.labels(kind, "duplicate").inc(outcome.duplicates)
    counters.ingest_records.labels(kind, "rejected").inc(len(outcome.rejected))
    for rejection in outcome.rejected:
        for reason in {reason_label(error, known) for error in rejection["errors"]}:
            counters.ingest_rejections.labels(kind, reason).inc()


def count_feed(format_name: str, outcome: BatchOutcome) -> None:
    """Count a feed body's source records by outcome, under the feed's format."""
    counters = instruments()
    counters.feed_records.labels(format_name, "accepted").inc(outcome.accepted)
    counters.feed_records.labels(format_name, "duplicate").inc(outcome.duplicates)
    counters.feed_records.labels(format_name, "rejected").inc(len(outcome.rejected))


def observe_pass(seconds: float, markers: int) -> None:
    """Record an aggregation pass that held the lock."""
    counters = instruments()
    counters.aggregation_passes.observe(seconds)
    counters.aggregation_markers.inc(markers)


def count_evaluations(action: str, count: int) -> None:
    """Count `count` evaluations of a rule on a queue that led to `action` (a pass counts
    its thousands once per action)."""
    instruments().alert_evaluations.labels(action).inc(count)


def count_delivery(notifier_type: str, ok: bool) -> None:
    """Count one notification, delivered or failed after its retries."""
    instruments().alert_deliveries.labels(notifier_type, "ok" if ok else "failed").inc()


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Record one HTTP request under its route template."""
    counters = instruments()
    method = method if method in HTTP_METHODS else "other"
    counters.http_requests.labels(method, route, str(status)).inc()
    counters.http_duration.labels(method, route).observe(seconds)
