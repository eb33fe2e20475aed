"""The live state of one queue, for `/v1/queues/{code}/live` and the wallboard."""

from dataclasses import asdict
from datetime import UTC, datetime, time, timedelta
from typing import Any

from psycopg import Connection

from app.access.scope import Scope
from app.core.config import Settings
from app.erlang import required_agents
from app.kpi import queries
from app.kpi.definitions import ALERT_COMPONENTS, ALERT_KPIS, CALL_COMPONENTS, evaluate
from app.tenancy.targets import queue_targets

TODAY_KPIS = (
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "asa_s",
    "answer_rate",
    "abandon_rate",
    "handled",
    "aht_s",
)
ON_PHONES = ("available", "talking", "acw")


def queue_live(pg: Connection, scope: Scope, settings: Settings) -> dict[str, Any]:
    """Return waiting calls, agents, today's and the last 10 minutes' KPIs, staffing, feeds."""
    queue = scope.queues[0]
    now = datetime.now(UTC)
    local_now = now.astimezone(scope.timezone)
    day_start = datetime.combine(local_now.date(), time(), scope.timezone)
    waiting, oldest, lost = queries.waiting_calls(
        pg, scope.client_id, queue.id, settings.waiting_horizon_s, day_start
    )
    today = _today(pg, scope, "calls", CALL_COMPONENTS, day_start, now)
    alerts_today = _today(pg, scope, "alerts", ALERT_COMPONENTS, day_start, now)
    last_10 = queries.window_call_components(
        pg, scope.client_id, queue.id, now - timedelta(minutes=10)
    )
    agents = _agents(pg, scope, day_start, now, settings.agent_stale_after_s)
    by_state = {state: 0 for state in (*ON_PHONES, "not_ready", "stale")}
    for agent in agents:
        by_state[agent["state"]] += 1
    targets = queue_targets(queue.targets, settings)
    return {
        "queue": queue.code,
        "client": scope.client_code,
        "timezone": str(scope.timezone),
        "as_of": local_now.isoformat(),
        "sl_formula": queue.sl_formula,
        "sl_threshold_s": queue.sl_threshold_s,
        "targets": {kpi: asdict(bound) for kpi, bound in targets.items()},
        "waiting": waiting,
        "longest_wait_s": (now - oldest).total_seconds() if oldest else 0.0,
        "lost_calls_today": lost,
        "today": {k: _round(v) for k, v in evaluate(TODAY_KPIS, today, queue.sl_formula).items()},
        "alerts_today": evaluate(ALERT_KPIS, alerts_today, queue.sl_formula),
        "service_level_10m": _round(
            evaluate(("service_level",), last_10, queue.sl_formula)["service_level"]
        ),
        "agents_by_state": by_state,
        "agents": agents,
        "staffing": _staffing(
            pg, scope, now, today, by_state, targets["service_level"].min, settings
        ),
        "feeds": [
            {
                "vendor": vendor,
                "last_record_at": last.astimezone(scope.timezone).isoformat() if last else None,
                "age_s": round((now - last).total_seconds(), 1) if last else None,
            }
            for vendor, last in queries.feed_freshness(
                pg, scope.client_id, queue.id, scope.vendor_id
            )
        ],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _today(
    pg: Connection,
    scope: Scope,
    source: str,
    components: tuple[str, ...],
    day_start: datetime,
    now: datetime,
) -> dict[str, float]:
    """Sum today's components of `source` (calls or alerts) for the queue."""
    rows = queries.sum_stats(
        pg,
        source,
        components,
        granularity="interval",
        split=None,
        client_id=scope.client_id,
        queue_ids=[scope.queues[0].id],
        vendor_id=scope.vendor_id,
        start=day_start,
        end=now + timedelta(days=1),
        tz=str(scope.timezone),
    )
    totals = dict.fromkeys(components, 0.0)
    for _, _, *values in rows:
        for name, value in zip(components, values, strict=True):
            totals[name] += value or 0.0
    return totals


def _agents(
    pg: Connection, scope: Scope, day_start: datetime, now: datetime, stale_s: int
) -> list[dict[str, Any]]:
    queue = scope.queues[0]
    totals = queries.agent_call_totals(pg, scope.client_id, queue.id, day_start)
    agents = []
    for agent_id, code, vendor, state, since, reason in queries.latest_agent_states(
        pg, scope.client_id, queue.id, scope.vendor_id
    ):
        in_state = (now - since).total_seconds()
        handled, seconds = totals.get(agent_id, (0.0, 0.0))
        agents.append(
            {
                "agent": code,
                "vendor": vendor,
                "state": "stale" if in_state > stale_s else state,
                "reported_state": state,
                "since": since.astimezone(scope.timezone).isoformat(),
                "in_state_s": round(in_state, 1),
                "reason": reason,
                "handled_today": int(handled),
                "aht_s": round(seconds / handled, 1) if handled else None,
            }
        )
    return sorted(agents, key=lambda a: -a["in_state_s"])


def _staffing(
    pg: Connection,
    scope: Scope,
    now: datetime,
    today: dict[str, float],
    by_state: dict[str, int],
    sl_target: float | None,
    settings: Settings,
) -> dict[str, Any]:
    queue = scope.queues[0]
    sl_target = sl_target or settings.default_sl_target
    arrivals = queries.offered_between(
        pg, scope.client_id, queue.id, now - timedelta(minutes=30), now
    )
    aht = evaluate(("aht_s",), today, queue.sl_formula)["aht_s"] or settings.default_aht_s
    need = required_agents(arrivals / 1800, aht, sl_target, queue.sl_threshold_s)
    have = sum(by_state[s] for s in ON_PHONES)
    return {
        "arrivals_30m": arrivals,
        "aht_s": round(aht, 1),
        "target_service_level": sl_target,
        "required_agents": need.agents,
        "agents_on_phones": have,
        "staffing_gap": need.agents - have,
        "forecast_service_level": round(need.service_level, 4),
    }
