"""SQL of the alerts: those a responder reads and changes (`/v1/alerts`, the wallboard, the
SLA page), and those an evaluation pass opens and moves, all of a batch in one statement."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg import Connection
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.core.pgarray import array_literal
from app.models import Alert, AlertRule, Client, Queue

LISTED = 500  # alerts in one list, newest first


def alert_rows(
    session: Session,
    visible: Collection[int],
    *,
    state: str | None = None,
    active: bool = False,
    queue_code: str | None = None,
    queue_ids: Collection[int] | None = None,
    alert_id: int | None = None,
    opened_from: datetime | None = None,
    opened_before: datetime | None = None,
) -> list[tuple[Alert, AlertRule, Queue, Client]]:
    """Return alerts on the `visible` queues with their rule, queue and client, newest first.

    Each other argument, when given, narrows the list: one state, or `active` (not resolved),
    one queue by code, some queues by id, one alert, opened in `[opened_from, opened_before)`.
    """
    where: list[ColumnElement[bool]] = [Alert.queue_id.in_(visible)]
    if state is not None:
        where.append(Alert.state == state)
    if active:
        where.append(Alert.state != "resolved")
    if queue_code is not None:
        where.append(Queue.code == queue_code)
    if queue_ids is not None:
        where.append(Alert.queue_id.in_(queue_ids))
    if alert_id is not None:
        where.append(Alert.id == alert_id)
    if opened_from is not None:
        where.append(Alert.opened_at >= opened_from)
    if opened_before is not None:
        where.append(Alert.opened_at < opened_before)
    query = (
        select(Alert, AlertRule, Queue, Client)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .join(Queue, Queue.id == Alert.queue_id)
        .join(Client, Client.id == Alert.client_id)
        .where(*where)
        .order_by(Alert.opened_at.desc())
        .limit(LISTED)
    )
    return [(alert, rule, queue, client) for alert, rule, queue, client in session.execute(query)]


def alert_by_id(session: Session, alert_id: int) -> Alert | None:
    """Return one alert, or None when there is no such id.

    Alerts are keyed `(client_id, id)` (distributed by client): the id alone finds one row."""
    return session.scalars(select(Alert).where(Alert.id == alert_id)).one_or_none()


@dataclass(frozen=True, slots=True)
class Active:
    """An alert not resolved yet, as an evaluation pass reads, moves and reports it."""

    client_id: int
    id: int
    rule_id: int
    queue_id: int
    state: str
    opened_at: datetime
    escalated_at: datetime | None
    last_value: float
    threshold: float


@dataclass(frozen=True, slots=True)
class Opening:
    """A breach to open an alert for: the rule's reading on one queue."""

    client_id: int
    rule_id: int
    queue_id: int
    value: float
    threshold: float


def active_alerts(pg: Connection, client_ids: Sequence[int]) -> list[Active]:
    """Return the clients' alerts not resolved yet (`uq_alerts_active`: one per rule and queue)."""
    rows = pg.execute(
        "SELECT client_id, id, rule_id, queue_id, state, opened_at, escalated_at, last_value,"
        " threshold FROM alerts WHERE client_id = ANY(%s::int[]) AND state <> 'resolved'",
        [array_literal(client_ids)],
    )
    return [Active(*row) for row in rows]


def open_alerts(
    pg: Connection, openings: Sequence[Opening], now: datetime
) -> dict[tuple[int, int], int]:
    """Open an alert for each breach, opened `now`; return their ids by (rule id, queue id).

    One `INSERT … SELECT FROM unnest` for the whole batch: on Citus the rows are routed to
    their clients' shards from the coordinator."""
    if not openings:
        return {}
    rows = pg.execute(
        "INSERT INTO alerts (client_id, queue_id, rule_id, state, value, last_value, threshold,"
        " opened_at) SELECT o.client_id, o.queue_id, o.rule_id, 'open', o.value, o.value,"
        " o.threshold, %(now)s FROM unnest(%(c)s::int[], %(q)s::int[], %(r)s::int[],"
        " %(v)s::float8[], %(t)s::float8[]) AS o(client_id, queue_id, rule_id, value, threshold)"
        " RETURNING rule_id, queue_id, id",
        {
            "now": now,
            **_columns(
                openings, c="client_id", q="queue_id", r="rule_id", v="value", t="threshold"
            ),
        },
    )
    return {(rule_id, queue_id): alert_id for rule_id, queue_id, alert_id in rows}


def move_alerts(pg: Connection, moved: Sequence[Active], now: datetime, resolved_by: str) -> None:
    """Write the moved alerts' last value and escalation, and resolve those moved to resolved
    (at `now`, by `resolved_by`), in one statement.

    The state only ever changes to resolved here: an acknowledgement made since the pass read
    the alert stays."""
    if not moved:
        return
    pg.execute(
        "UPDATE alerts a SET last_value = m.last_value, escalated_at = m.escalated_at,"
        " state = CASE WHEN m.state = 'resolved' THEN m.state ELSE a.state END,"
        " resolved_at = CASE WHEN m.state = 'resolved' THEN %(now)s ELSE a.resolved_at END,"
        " resolved_by = CASE WHEN m.state = 'resolved' THEN %(by)s ELSE a.resolved_by END"
        " FROM unnest(%(c)s::int[], %(i)s::bigint[], %(v)s::float8[], %(e)s::timestamptz[],"
        " %(s)s::text[]) AS m(client_id, id, last_value, escalated_at, state)"
        " WHERE a.client_id = ANY(%(c)s::int[]) AND a.client_id = m.client_id AND a.id = m.id",
        {
            "now": now,
            "by": resolved_by,
            **_columns(moved, c="client_id", i="id", v="last_value", e="escalated_at", s="state"),
        },
    )


def _columns(rows: Sequence[Active | Opening], **fields: str) -> dict[str, str]:
    """Return each named field of the rows as one array literal (an `unnest` argument)."""
    return {key: array_literal(getattr(r, field) for r in rows) for key, field in fields.items()}
