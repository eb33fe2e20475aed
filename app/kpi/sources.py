"""The catalogue of KPI sources: each source's facts, components (by name) and stats tables.

A source is where KPIs come from: calls, agent states, tickets, alerts. Each is declared
here once: its fact table and the rows it counts, every additive component as name → SQL
aggregate (with the fact columns it reads), and the interval and day stats tables that
store the components under the same names. The aggregation's recompute statements, the
stats reader and the KPI groups (`app.kpi.definitions`) are all derived from this, so a new
component or a new source is one entry here (and its columns in the stats tables).
"""

from dataclasses import dataclass, replace
from datetime import timedelta

from app.core.vocabulary import (
    ABANDONED_EXIT,
    BLOCKED_EXITS,
    CALLBACK_EXIT,
    CLOSED_EXIT,
    COMPLAINT,
    LOGGED_IN_STATES,
    LOGGED_OUT,
    ON_PHONE_STATES,
    OVERFLOW_EXITS,
    WORK_ACTIVITY,
)

# Default ticket targets per channel, seconds (a queue's ticket_targets override them).
TICKET_TARGETS = {
    "email": (4 * 3600, 24 * 3600),
    "chat": (60, 3600),
    "web": (4 * 3600, 24 * 3600),
    "social": (3600, 24 * 3600),
    "sms": (3600, 24 * 3600),
}


@dataclass(frozen=True)
class Component:
    """An additive component: its SQL aggregate over the source's rows, and the fact columns
    (beyond those of the source's shared row SQL) it reads.

    A count names the rows it counts in `counts` (an SQL predicate over the source's row
    aliases): the evidence listing (`app.evidence`) lists exactly those rows behind it.
    """

    sql: str
    reads: tuple[str, ...] = ()
    counts: str | None = None


def count(predicate: str, reads: tuple[str, ...] = ()) -> Component:
    """Return the component counting the source's rows where `predicate` holds."""
    return Component(f"count(*) FILTER (WHERE {predicate})", reads, predicate)


@dataclass(frozen=True)
class Source:
    """A source of KPIs: where its rows come from, its components and where they are stored.

    `rows_sql` follows `FROM <fact_table> <alias>`: the joins that classify one fact row
    (reading `row_reads`), `where` which rows count. `splits` name the stats columns each
    source keeps apart below its subject (agent and vendor of calls, channel and vendor of
    tickets), each with the fact expression filling it. `scope` limits its stats rows `s` to
    a client's %(queues)s (or, for agent states, to %(vendor)s's agents: every vendor's when
    NULL); `vendor_limit` keeps %(vendor)s's records of them. Alerts have no stats tables:
    their components are per-alert values (no aggregate), summed like stats at read time.
    """

    name: str
    fact_table: str
    alias: str
    subject: str
    time_column: str
    components: dict[str, Component]
    rows_sql: str = ""
    row_reads: tuple[str, ...] = ()
    where: str = ""
    scope: str = "s.queue_id = ANY(%(queues)s)"
    interval_table: str | None = None
    day_table: str | None = None
    splits: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Return the component names, in catalogue order."""
        return tuple(self.components)

    def select_sql(self, names: tuple[str, ...] | None = None) -> str:
        """Return `<sql> AS <name>, …` of the named components (default: all)."""
        return ", ".join(f"{self.components[n].sql} AS {n}" for n in names or self.names)

    def vendor_limit(self, alias: str = "s") -> str:
        """Return SQL keeping the rows `alias` (stats or facts) of %(vendor)s's records, every
        vendor's when NULL; `true` for a source kept per queue only (alerts) or per agent."""
        if "vendor_id" not in dict(self.splits):
            return "true"
        return f"(%(vendor)s::int IS NULL OR {alias}.vendor_id = %(vendor)s)"

    def reads(self) -> dict[str, tuple[str, ...]]:
        """Return the fact columns each component reads, with the shared row SQL's."""
        return {n: (*self.row_reads, *c.reads) for n, c in self.components.items()}


def _words(words: tuple[str, ...]) -> str:
    """Return an SQL list of words: `('full', 'closed')`."""
    return f"({', '.join(repr(w) for w in words)})"


# One call's facts (f) and its classification under the queue's T and S (g); see DESIGN §7.
# An inbound call that ended unanswered left by its exit_reason: hung up while waiting
# (abandoned, or no reason: short when the wait was under S), overflowed, blocked or a
# callback request; a reason counts once the call has ended.
CALL_ROWS_SQL = (
    "JOIN queues q ON q.id = c.queue_id"
    " CROSS JOIN LATERAL (SELECT c.direction = 'inbound' AS inbound,"
    " c.answered_at IS NOT NULL AS answered,"
    " c.answered_at IS NULL AND c.ended_at IS NOT NULL AS gave_up,"
    " c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL AS handled,"
    " extract(epoch FROM coalesce(c.answered_at, c.ended_at) - c.offered_at) AS wait_s) f"
    " CROSS JOIN LATERAL (SELECT f.inbound AND f.gave_up AS left_unanswered,"
    f" coalesce(c.exit_reason, '{ABANDONED_EXIT}') = '{ABANDONED_EXIT}' AS hung_up) x"
    " CROSS JOIN LATERAL (SELECT"
    " x.left_unanswered AND x.hung_up AND f.wait_s < q.short_abandon_s AS short,"
    " x.left_unanswered AND x.hung_up AND f.wait_s >= q.short_abandon_s AS abandoned,"
    f" x.left_unanswered AND c.exit_reason IN {_words(OVERFLOW_EXITS)} AS overflowed,"
    f" x.left_unanswered AND c.exit_reason IN {_words(BLOCKED_EXITS)} AS blocked,"
    " coalesce(c.talk_s, greatest(0, extract(epoch FROM c.ended_at - c.answered_at)"
    " - coalesce(c.hold_s, 0))) AS talk,"
    " coalesce(c.hold_s, 0) AS hold,"
    " coalesce(c.acw_s, greatest(0, extract(epoch FROM c.acw_done_at - c.ended_at)), 0)"
    " AS acw) g"
)
CALL_ROW_READS = (
    "queue_id",
    "direction",
    "offered_at",
    "answered_at",
    "ended_at",
    "talk_s",
    "hold_s",
    "acw_s",
    "acw_done_at",
    "exit_reason",
)


def exit_component(reason: str) -> str:
    """Name the component counting calls that left by `reason`: `exit_full`, `exit_key`."""
    return f"exit_{reason.removeprefix('exit_')}"


def _left_by(reason: str) -> Component:
    """Inbound calls that ended unanswered with exit_reason `reason`."""
    return count(f"x.left_unanswered AND c.exit_reason = '{reason}'")


# A call with neither answer nor end: waiting while offered within the waiting horizon
# %(horizon)s (an interval), after that lost data (its end never arrived). What the live view
# counts as waiting now and what the evidence lists as `waiting` (c: a calls row).
CALL_OPEN_SQL = (
    "c.direction = 'inbound' AND c.answered_at IS NULL AND c.ended_at IS NULL AND c.offered_known"
)
CALL_WAITING_SQL = "c.offered_at > now() - %(horizon)s::interval AND c.offered_at <= now()"
CALL_LOST_SQL = "c.offered_at <= now() - %(horizon)s::interval"


CALLS = Source(
    name="calls",
    fact_table="calls",
    alias="c",
    subject="queue_id",
    time_column="offered_at",
    rows_sql=CALL_ROWS_SQL,
    row_reads=CALL_ROW_READS,
    where="c.offered_known",
    interval_table="call_interval_stats",
    day_table="call_day_stats",
    # The vendor apart: on a queue several vendors serve, each sees (and is scored on) the
    # calls its own feed sent, exactly the rows `/v1/calls` lists for it.
    splits=(("agent_id", "coalesce(c.agent_id, 0)"), ("vendor_id", "c.vendor_id")),
    components={
        "answered": count("f.inbound AND f.answered"),
        "abandoned": count("g.abandoned"),
        "short_abandoned": count("g.short"),
        "answered_within_threshold": count(
            "f.inbound AND f.answered AND f.wait_s <= q.sl_threshold_s"
        ),
        "abandoned_within_threshold": count("g.abandoned AND f.wait_s <= q.sl_threshold_s"),
        "wait_answered_s": Component(
            "coalesce(sum(f.wait_s) FILTER (WHERE f.inbound AND f.answered), 0)"
        ),
        "handled": count("f.inbound AND f.handled"),
        "talk_s": Component("coalesce(sum(g.talk) FILTER (WHERE f.inbound AND f.handled), 0)"),
        "hold_s": Component("coalesce(sum(g.hold) FILTER (WHERE f.inbound AND f.handled), 0)"),
        "held": count("f.inbound AND f.handled AND g.hold > 0"),
        "acw_s": Component("coalesce(sum(g.acw) FILTER (WHERE f.inbound AND f.handled), 0)"),
        "transferred": count("f.inbound AND f.handled AND c.transferred", ("transferred",)),
        "resolved_known": count(
            "f.inbound AND f.handled AND c.resolved IS NOT NULL", ("resolved",)
        ),
        "resolved": count("f.inbound AND f.handled AND c.resolved", ("resolved",)),
        "surveyed": count("f.inbound AND c.csat IS NOT NULL", ("csat",)),
        "csat_sum": Component("coalesce(sum(c.csat) FILTER (WHERE f.inbound), 0)", ("csat",)),
        "outbound": count("NOT f.inbound AND (f.answered OR f.gave_up)"),
        "received": count("f.inbound"),
        "overflowed": count("g.overflowed"),
        "blocked": count("g.blocked"),
        "callbacks": _left_by(CALLBACK_EXIT),
        # Each exit reason apart, for feeds whose own reports split them (Wazo, QueueMetrics).
        **{exit_component(r): _left_by(r) for r in (*OVERFLOW_EXITS, *BLOCKED_EXITS)},
    },
)


SL_COMPONENTS = (
    "answered",
    "abandoned",
    "overflowed",
    "answered_within_threshold",
    "abandoned_within_threshold",
)
"""The call components `service_level` reads under any formula (`app.kpi.definitions`)."""

# A call that arrived for the queue's staffing: every inbound caller, turned away or not,
# but not one calling a closed queue, which no staffing serves (c: a calls row).
CALL_ARRIVED_SQL = (
    "c.direction = 'inbound' AND c.offered_known"
    f" AND c.exit_reason IS DISTINCT FROM '{CLOSED_EXIT}'"
)

# The calls of the last `MINUTES_KEPT` per queue, vendor and minute of `offered_at`: what the
# live view's rolling windows (service level over 10 minutes, arrivals over 30) sum, instead
# of every raw call of the window. Kept by the aggregator like the interval stats.
RECENT_CALLS = replace(  # the calls' own rows, kept per vendor only (no agent split)
    CALLS,
    name="recent_calls",
    interval_table="call_minute_stats",
    day_table=None,
    splits=(("vendor_id", "c.vendor_id"),),
    components={
        **{name: CALLS.components[name] for name in SL_COMPONENTS},
        "arrivals": count(CALL_ARRIVED_SQL, ("exit_reason",)),
    },
)
MINUTES_KEPT = timedelta(hours=1)


def _state_seconds(state: str) -> Component:
    """Seconds of the agent's segments in `state`, cut at the interval's edges (`o.s`)."""
    if state not in LOGGED_IN_STATES:
        raise ValueError(f"{state!r} is not a logged-in agent state ({LOGGED_IN_STATES})")
    return Component(f"coalesce(sum(o.s) FILTER (WHERE seg.state = '{state}'), 0)")


def agent_state_sql(change: str, client: str | None = None) -> str:
    """Return SQL of the state that agent state change `change` (a row alias) stands for.

    An unpause (Asterisk's UNPAUSE) makes a logged-in agent available but leaves a
    logged-out one logged out: it follows the last change before it that is not an unpause,
    so the state does not depend on the order the changes arrived in. `client`: SQL of the
    change's client when the statement reads one client (Citus routes a statement to one
    shard only when every read of a distributed table names its client so).
    """
    last_other = (
        "(SELECT x.state FROM agent_state_changes x"
        f" WHERE x.client_id = {client or f'{change}.client_id'}"
        f" AND x.agent_id = {change}.agent_id AND x.at < {change}.at AND NOT x.unpause"
        " ORDER BY x.at DESC LIMIT 1)"
    )
    return (  # CASE evaluates in order: the lookup runs for unpauses only
        f"CASE WHEN NOT {change}.unpause THEN {change}.state"
        f" WHEN {last_other} = '{LOGGED_OUT}' THEN '{LOGGED_OUT}' ELSE {change}.state END"
    )


def agent_segments_sql(changes: str, cap: str) -> str:
    """Return SQL of the agent state segments (client_id, agent_id, state, seg_start, seg_end)
    of the state changes `changes` (a FROM clause naming them `a`).

    A segment runs from a change to the agent's next one, but at most `cap` (SQL of the
    stale interval: a silent agent stops counting) and never past now.
    """
    return (
        f"SELECT a.client_id, a.agent_id, {agent_state_sql('a')} AS state, a.at AS seg_start,"
        " least(lead(a.at) OVER (PARTITION BY a.client_id, a.agent_id ORDER BY a.at),"
        f" a.at + {cap}, now()) AS seg_end FROM {changes}"
    )


AGENTS = Source(
    name="agents",
    fact_table="agent_state_changes",
    alias="a",
    subject="agent_id",
    time_column="at",
    row_reads=("agent_id", "at", "state", "unpause"),
    scope="s.agent_id IN (SELECT id FROM agents WHERE client_id = %(client)s"
    " AND (%(vendor)s::int IS NULL OR vendor_id = %(vendor)s))",
    interval_table="agent_interval_stats",
    day_table="agent_day_stats",
    components={
        "available_s": _state_seconds("available"),
        "talking_s": _state_seconds("talking"),
        "acw_state_s": _state_seconds("acw"),
        "not_ready_s": _state_seconds("not_ready"),
    },
)

_TICKET_DEFAULTS = ", ".join(
    f"('{channel}', {frt}, {res})" for channel, (frt, res) in TICKET_TARGETS.items()
)
TICKETS = Source(
    name="tickets",
    fact_table="tickets",
    alias="t",
    subject="queue_id",
    time_column="created_at",
    # One ticket with its channel targets (the queue's, else the defaults).
    rows_sql="JOIN queues q ON q.id = t.queue_id"
    f" JOIN (VALUES {_TICKET_DEFAULTS}) AS d(channel, frt, res) ON d.channel = t.channel"
    " CROSS JOIN LATERAL (SELECT"
    " coalesce((q.ticket_targets -> t.channel ->> 'first_response_s')::int, d.frt) AS frt,"
    " coalesce((q.ticket_targets -> t.channel ->> 'resolution_s')::int, d.res) AS res) g",
    row_reads=("queue_id", "channel", "created_at"),
    interval_table="ticket_interval_stats",
    splits=(("channel", "t.channel"), ("vendor_id", "t.vendor_id")),
    components={
        "tickets_created": Component("count(*)", counts="true"),
        "tickets_responded": Component("count(t.first_response_at)", ("first_response_at",)),
        "tickets_responded_within_target": count(
            "t.first_response_at - t.created_at <= make_interval(secs => g.frt)",
            ("first_response_at",),
        ),
        "ticket_frt_sum_s": Component(
            "coalesce(sum(extract(epoch FROM t.first_response_at - t.created_at)), 0)",
            ("first_response_at",),
        ),
        "tickets_resolved": Component("count(t.resolved_at)", ("resolved_at",)),
        "tickets_resolved_within_target": count(
            "t.resolved_at - t.created_at <= make_interval(secs => g.res)", ("resolved_at",)
        ),
        "tickets_open": count("t.resolved_at IS NULL", ("resolved_at",)),
        "complaints": count(f"t.ticket_type = '{COMPLAINT}'", ("ticket_type",)),
        "valid_complaints": count(
            f"t.ticket_type = '{COMPLAINT}' AND t.valid", ("ticket_type", "valid")
        ),
    },
)

# An alert of the period ending at %(hi)s (NULL: so far) is acknowledged if it was by then;
# its response runs until then, else until it resolved, the period ended or now, whichever
# came first (definitions.alert_response_s). Columns of `alerts`, unqualified.
ALERT_ACKNOWLEDGED_SQL = (
    "coalesce(acknowledged_at < coalesce(%(hi)s::timestamptz, 'infinity'), false)"
)
ALERT_RESPONSE_SQL = (
    "extract(epoch FROM least(acknowledged_at, resolved_at, %(hi)s::timestamptz, now())"
    " - opened_at)"
)
ALERTS = Source(
    name="alerts",
    fact_table="alerts",
    alias="s",
    subject="queue_id",
    time_column="opened_at",
    row_reads=("queue_id", "opened_at"),
    components={
        "alerts_opened": Component("1"),
        "alerts_acknowledged": Component(f"{ALERT_ACKNOWLEDGED_SQL}::int", ("acknowledged_at",)),
        "alert_response_sum_s": Component(ALERT_RESPONSE_SQL, ("acknowledged_at", "resolved_at")),
    },
)

# QA evaluations (质检): a few per agent and day, so no stats tables; summed from the facts
# at read time like alerts, each in the interval of its `evaluated_at`. The vendor is the
# evaluated contact's, so a vendor is scored on evaluations of its own calls and tickets.
QA = Source(
    name="qa",
    fact_table="qa_evaluations",
    alias="e",
    subject="queue_id",
    time_column="evaluated_at",
    row_reads=("queue_id", "evaluated_at"),
    splits=(("agent_id", "e.agent_id"), ("vendor_id", "e.vendor_id")),
    components={
        "qa_evaluated": Component("1"),
        "qa_fatal_errors": Component("e.fatal_errors", ("fatal_errors",)),
        "qa_non_fatal_errors": Component("e.non_fatal_errors", ("non_fatal_errors",)),
        "qa_score_sum": Component("e.score", ("score",)),
    },
)

# An agent-day (d) of the client's local calendar the agent was logged in, with its local
# midnights (k): what monitoring coverage (被监听覆盖率) counts, one row per agent and day.
QA_DAY_ROWS_SQL = (
    "JOIN clients cl ON cl.id = d.client_id CROSS JOIN LATERAL (SELECT"
    " d.day::timestamp AT TIME ZONE cl.timezone AS day_start,"
    " (d.day + 1)::timestamp AT TIME ZONE cl.timezone AS day_end) k"
)
# The evaluations of that agent on that day (evaluated_at in the local day).
_EVALUATIONS_OF_DAY = (
    "(SELECT count(*) FROM qa_evaluations e WHERE e.client_id = d.client_id"
    " AND e.agent_id = d.agent_id AND e.evaluated_at >= k.day_start"
    " AND e.evaluated_at < k.day_end)"
)
QA_DAYS = Source(
    name="qa_days",
    fact_table="agent_day_stats",
    alias="d",
    subject="agent_id",
    time_column="day_start",
    rows_sql=QA_DAY_ROWS_SQL,
    row_reads=("client_id", "agent_id", "day"),
    where="d.available_s + d.talking_s + d.acw_state_s + d.not_ready_s > 0",
    scope=AGENTS.scope,
    components={
        "agent_days_logged_in": Component("1"),
        "agent_days_evaluated": Component(f"({_EVALUATIONS_OF_DAY} > 0)::int"),
        "qa_evaluations_on_days": Component(_EVALUATIONS_OF_DAY),
    },
)

# One schedule segment's piece in one interval `[b.lo, b.hi)` (cut at now: the future is not
# measured yet) and the seconds the agent worked in it (w.worked: available, talking or ACW,
# from its state changes under the stale cap %(stale)s). Work adheres while working; any
# other activity while not (not ready, logged out, or no state known). The sum is grouped by
# client (one group, or none without state changes: NULL, read as 0), so Citus pushes the
# lateral subquery down to the shards; it refuses an aggregate without GROUP BY there.
SCHEDULE_PIECE_S = "extract(epoch FROM b.hi - b.lo)"
SCHEDULE_WORKED_SQL = (
    "SELECT sum(extract(epoch FROM least(seg.seg_end, b.hi)"
    " - greatest(seg.seg_start, b.lo))) FILTER (WHERE seg.state IN"
    f" {_words(ON_PHONE_STATES)} AND seg.seg_end > b.lo) AS worked FROM ("
    + agent_segments_sql(
        "agent_state_changes a WHERE a.client_id = sg.client_id AND a.agent_id = sg.agent_id"
        " AND a.at >= b.lo - %(stale)s::interval AND a.at < b.hi",
        "%(stale)s::interval",
    )
    + ") seg GROUP BY seg.client_id"
)
_WORKED = "coalesce(w.worked, 0)"
_WORK = f"sg.activity = '{WORK_ACTIVITY}'"
SCHEDULES = Source(
    name="schedules",
    fact_table="schedule_segments",
    alias="sg",
    subject="agent_id",
    time_column="start_at",
    row_reads=("client_id", "agent_id", "vendor_id", "start_at", "end_at", "queue_ids"),
    splits=(("agent_id", "sg.agent_id"), ("vendor_id", "sg.vendor_id")),
    components={
        "scheduled_s": Component(SCHEDULE_PIECE_S),
        "adherent_s": Component(
            f"CASE WHEN {_WORK} THEN {_WORKED} ELSE {SCHEDULE_PIECE_S} - {_WORKED} END",
            ("activity",),
        ),
        "scheduled_work_s": Component(
            f"CASE WHEN {_WORK} THEN {SCHEDULE_PIECE_S} ELSE 0 END", ("activity",)
        ),
        "worked_s": Component(_WORKED),
    },
)

# Forecasts (话务预测): one row per queue and ended interval with a forecast (f: the chosen
# one, `queries.FORECAST_ROWS`), beside the interval's actual calls from the call stats (a:
# every vendor's: a forecast is of the queue), the Erlang C need (n: agents for the queue's
# SL target, else %(sl_target)s, within its T, at the actual calls and AHT, else the
# forecast's AHT when no call was handled; 0 without calls; NULL when no AHT is known) and
# the agents scheduled to work on the queue (sc: work seconds / interval seconds, schedule
# segments naming the queue or, naming none, of a vendor serving it; `published` when any
# segment of the queue's schedule covers the interval).
FORECAST_IV_S = "extract(epoch FROM %(iv)s::interval)"


def serves_queue(queue: str, queue_ids: str, vendor: str) -> str:
    """SQL: a row listing `queue_ids` is for `queue` (listed, or none listed and its vendor
    serves the queue) — how agent events and schedule segments name their queues."""
    return (
        f"({queue} = ANY({queue_ids}) OR ({queue_ids} IS NULL AND EXISTS (SELECT 1"
        f" FROM queue_vendors qv WHERE qv.queue_id = {queue} AND qv.vendor_id = {vendor})))"
    )


def segment_seconds_in(start: str) -> str:
    """SQL: the seconds of schedule segment `sg` inside the interval starting at `start`."""
    return (
        f"extract(epoch FROM least(sg.end_at, {start} + %(iv)s::interval)"
        f" - greatest(sg.start_at, {start}))"
    )


_COVERS_QUEUE = serves_queue("f.queue_id", "sg.queue_ids", "sg.vendor_id")
FORECAST_ROWS_SQL = (
    "JOIN queues q ON q.id = f.queue_id"
    " CROSS JOIN LATERAL (SELECT"
    " coalesce(sum(s.answered + s.abandoned + s.overflowed), 0)::float8 AS offered,"
    " coalesce(sum(s.handled), 0)::float8 AS handled,"
    " coalesce(sum(s.talk_s + s.hold_s + s.acw_s), 0)::float8 AS handle_s"
    " FROM call_interval_stats s WHERE s.client_id = f.client_id AND s.queue_id = f.queue_id"
    " AND s.interval_start = f.interval_start) a"
    " CROSS JOIN LATERAL (SELECT CASE WHEN a.offered = 0 THEN 0 ELSE erlang_c_agents("
    f"a.offered / {FORECAST_IV_S}, coalesce(a.handle_s / nullif(a.handled, 0), f.aht_s),"
    " coalesce((q.targets -> 'service_level' ->> 'min')::float8, %(sl_target)s),"
    " q.sl_threshold_s) END::float8 AS need) n"
    f" CROSS JOIN LATERAL (SELECT coalesce(sum({segment_seconds_in('f.interval_start')})"
    f" FILTER (WHERE sg.activity = '{WORK_ACTIVITY}'), 0) / {FORECAST_IV_S} AS agents,"
    " count(*) > 0 AS published FROM schedule_segments sg"
    " WHERE sg.client_id = f.client_id AND sg.start_at < f.interval_start + %(iv)s::interval"
    f" AND sg.end_at > f.interval_start AND {_COVERS_QUEUE}) sc"
)
_STAFFED = "f.required_agents IS NOT NULL AND n.need IS NOT NULL"
_SCHEDULED = "sc.published AND n.need IS NOT NULL"
_TIMED = "f.aht_s IS NOT NULL AND a.handled > 0"


def _when(condition: str, value: str) -> Component:
    """A per-interval value counted only where `condition` holds (else 0)."""
    return Component(f"CASE WHEN {condition} THEN {value} ELSE 0 END")


FORECASTS = Source(
    name="forecasts",
    fact_table="forecasts",
    alias="f",
    subject="queue_id",
    time_column="interval_start",
    rows_sql=FORECAST_ROWS_SQL,
    row_reads=("client_id", "queue_id", "interval_start", "aht_s", "required_agents"),
    # Only ended intervals: the current one and the future have no actual calls yet.
    where="f.interval_start + %(iv)s::interval <= now()",
    components={
        "forecast_intervals": Component("1"),
        "forecast_offered": Component("f.offered", ("offered",)),
        "forecast_actual_offered": Component("a.offered"),
        "forecast_offered_error": Component("abs(a.offered - f.offered)", ("offered",)),
        "forecast_handle_s": _when(_TIMED, "a.handle_s"),
        "forecast_handle_error_s": _when(_TIMED, "abs(a.handle_s - a.handled * f.aht_s)"),
        "staffing_need": _when(_STAFFED, "n.need"),
        "staffing_error": _when(_STAFFED, "abs(f.required_agents - n.need)"),
        "schedule_need": _when(_SCHEDULED, "n.need"),
        "schedule_error": _when(_SCHEDULED, "abs(sc.agents - n.need)"),
    },
)

# Callback requests (回访): each inbound call that ended with exit_reason callback, in the
# interval of its offered_at like every call, with its first callback (cb.at: the earliest
# outbound call of the client naming it in `callback_of`, dialled) and its deadline
# (CALLBACK_DUE_BY_SQL: the request's end + the queue's callback_within_min). A request is due
# once called back or once its deadline has passed; on time when called back by the deadline.
# Summed from the facts at read time: a callback arriving later changes its request's status,
# not its own interval. Scored for the request's vendor, whoever made the callback.
# The deadline is an expression, not a lateral column: Citus pushes down a lateral subquery
# only with a FROM (and no reference table), or without one only when IMMUTABLE.
CALLBACK_REQUEST_SQL = CALLS.components["callbacks"].counts or ""
CALLBACK_DUE_BY_SQL = "(c.ended_at + make_interval(mins => q.callback_within_min))"
CALLBACK_LINK_SQL = (
    " LEFT JOIN LATERAL (SELECT min(b.offered_at) AS at FROM calls b"
    " WHERE b.client_id = c.client_id AND b.callback_of = c.call_id"
    " AND b.direction = 'outbound') cb ON true"
)
_CALLED_BACK_ON_TIME = f"{CALLBACK_REQUEST_SQL} AND coalesce(cb.at <= {CALLBACK_DUE_BY_SQL}, false)"
_CALLBACK_DUE = f"{CALLBACK_REQUEST_SQL} AND (cb.at IS NOT NULL OR {CALLBACK_DUE_BY_SQL} <= now())"
CALLBACKS = Source(
    name="callbacks",
    fact_table="calls",
    alias="c",
    subject="queue_id",
    time_column="offered_at",
    rows_sql=CALL_ROWS_SQL + CALLBACK_LINK_SQL,
    row_reads=(*CALL_ROW_READS, "client_id", "call_id", "callback_of"),
    where=f"c.offered_known AND c.exit_reason = '{CALLBACK_EXIT}' AND {CALLBACK_REQUEST_SQL}",
    splits=(("vendor_id", "c.vendor_id"),),
    components={
        "callbacks_due": Component(f"({_CALLBACK_DUE})::int", counts=_CALLBACK_DUE),
        "callbacks_on_time": Component(
            f"({_CALLED_BACK_ON_TIME})::int", counts=_CALLED_BACK_ON_TIME
        ),
    },
)

SOURCES = {
    source.name: source
    for source in (CALLS, AGENTS, TICKETS, ALERTS, QA, QA_DAYS, SCHEDULES, FORECASTS, CALLBACKS)
}
# Every component of every source at zero: what a bucket, day or period without rows sums to.
NO_DATA = dict.fromkeys((name for source in SOURCES.values() for name in source.names), 0.0)
