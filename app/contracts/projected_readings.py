"""The projection as alert readings: `projected_amount` and `projected_score` of a queue.

The alerts engine (`app.alerts`) cannot import contracts (they are independent siblings), so
the scheduler (`app.jobs`) hands it `ProjectedReadings`, which it calls through the
`readings.Projections` protocol. A queue's projected amount is the sum over the contracts
in force today that cover it of their projected month-end amount (`projection.project`,
through `sla_report`, so the figures are the report's); its projected score is the lowest of
theirs, and the volume the quantity billed so far. One evaluation reads each contract once.
`now` picks the month; the report itself is read as of the clock (`sla_report`'s `as_of`), so
an evaluation replayed at another `now` still projects from today's figures.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.access.keys import Principal
from app.contracts import repository
from app.contracts.service import sla_report
from app.core.config import Settings

SYSTEM = Principal(key_id=0, kind="admin", name="alerts")
METRICS = {"projected_amount": "amount", "projected_score": "score"}


class ProjectedReadings:
    """Projected month-end figures per queue, read at `now`, each contract's report once."""

    def __init__(self, session: Session, settings: Settings, now: datetime) -> None:
        self.session, self.settings, self.now = session, settings, now
        self.found: dict[tuple[int, str], dict[str, Any] | None] = {}

    def reading(self, client_id: int, queue_id: int, metric: str) -> tuple[float | None, float]:
        """Return the metric's value for the queue (None: no projection) and its volume."""
        values, volume = [], 0.0
        for projection in self._projections(client_id, queue_id):
            if projection[METRICS[metric]] is not None:
                values.append(float(projection[METRICS[metric]]))
                volume += float(projection["quantity_so_far"])
        if not values:
            return None, 0.0
        return (sum(values) if metric == "projected_amount" else min(values)), volume

    def _projections(self, client_id: int, queue_id: int) -> list[dict[str, Any]]:
        code, zone = repository.client_code_and_timezone(self.session, client_id)
        month = self.now.astimezone(ZoneInfo(zone)).strftime("%Y-%m")
        today = self.now.astimezone(ZoneInfo(zone)).date()
        found = []
        for row in repository.contracts_in_force(self.session, client_id, today, today, None):
            if queue_id not in {q.id for q in row.queues}:
                continue
            key = (client_id, row.contract.code)
            if key not in self.found:
                report = sla_report(
                    self.session, SYSTEM, code, month, row.contract.code, self.settings
                )
                self.found[key] = report["projection"]
            if (projection := self.found[key]) is not None:
                found.append(projection)
        return found
