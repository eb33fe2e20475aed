"""Every KPI once: its formula over additive components, unit and direction (DESIGN §7).

Stats store only additive components (counts and sums) per interval; every ratio below is
computed from summed components at read time, so any rollup is exact. A KPI whose
denominator is zero is None ("no data"), never 0.
"""

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from app.core.vocabulary import DEFAULT_QA_BASIS, DEFAULT_SL_FORMULA, QA_BASES, SL_FORMULAS
from app.kpi.sources import (
    AGENTS,
    ALERTS,
    CALLBACKS,
    CALLS,
    FORECASTS,
    QA,
    QA_DAYS,
    SCHEDULES,
    TICKETS,
)

Components = Mapping[str, float]

CALL_COMPONENTS = CALLS.names
AGENT_COMPONENTS = AGENTS.names
ALERT_COMPONENTS = ALERTS.names
TICKET_COMPONENTS = TICKETS.names
QA_COMPONENTS = QA.names
QA_DAY_COMPONENTS = QA_DAYS.names
SCHEDULE_COMPONENTS = SCHEDULES.names
FORECAST_COMPONENTS = FORECASTS.names
CALLBACK_COMPONENTS = CALLBACKS.names


def ratio(numerator: float, denominator: float) -> float | None:
    """Return numerator / denominator, or None when the denominator is zero."""
    return numerator / denominator if denominator else None


def offered(c: Components) -> float:
    """offered = answered + abandoned + overflowed (short abandons, wait < S, are left out)."""
    return c["answered"] + c["abandoned"] + c["overflowed"]


def service_level(c: Components, formula: str = DEFAULT_SL_FORMULA) -> float | None:
    """service level = A_T / offered, or the queue's `sl_formula` (A_T: answered within T).

    abandoned_negative A_T/offered · ignore_abandoned A_T/(offered − AB_T) ·
    abandoned_positive (A_T + AB_T)/offered · answered_only A_T/answered
    (AB_T: abandoned within T, short abandons excluded).
    """
    a_t, ab_t = c["answered_within_threshold"], c["abandoned_within_threshold"]
    if formula == "abandoned_negative":
        return ratio(a_t, offered(c))
    if formula == "ignore_abandoned":
        return ratio(a_t, offered(c) - ab_t)
    if formula == "abandoned_positive":
        return ratio(a_t + ab_t, offered(c))
    if formula == "answered_only":
        return ratio(a_t, c["answered"])
    raise ValueError(f"unknown sl_formula {formula!r}")


def asa_s(c: Components) -> float | None:
    """ASA = Σ wait of answered calls / answered."""
    return ratio(c["wait_answered_s"], c["answered"])


def answer_rate(c: Components) -> float | None:
    """answer rate = answered / offered."""
    return ratio(c["answered"], offered(c))


def abandon_rate(c: Components) -> float | None:
    """abandon rate = abandoned / offered (short abandons excluded from both)."""
    return ratio(c["abandoned"], offered(c))


def overflow_rate(c: Components) -> float | None:
    """overflow rate = overflowed / offered (timeout, exit_key, exit_empty, leave_empty)."""
    return ratio(c["overflowed"], offered(c))


def aht_s(c: Components) -> float | None:
    """AHT = Σ(talk + hold + acw) / handled (handled = answered and ended)."""
    return ratio(c["talk_s"] + c["hold_s"] + c["acw_s"], c["handled"])


def att_s(c: Components) -> float | None:
    """ATT = Σ talk / handled."""
    return ratio(c["talk_s"], c["handled"])


def avg_acw_s(c: Components) -> float | None:
    """average ACW = Σ acw / handled."""
    return ratio(c["acw_s"], c["handled"])


def avg_hold_s(c: Components) -> float | None:
    """average hold = Σ hold / handled."""
    return ratio(c["hold_s"], c["handled"])


def hold_rate(c: Components) -> float | None:
    """hold rate = calls held / handled (a held call has hold_s > 0)."""
    return ratio(c["held"], c["handled"])


def transfer_rate(c: Components) -> float | None:
    """transfer rate = transferred / handled."""
    return ratio(c["transferred"], c["handled"])


def fcr_rate(c: Components) -> float | None:
    """FCR = resolved / handled calls whose `resolved` is known."""
    return ratio(c["resolved"], c["resolved_known"])


def csat(c: Components) -> float | None:
    """CSAT = mean csat of surveyed calls."""
    return ratio(c["csat_sum"], c["surveyed"])


def logged_in_s(c: Components) -> float:
    """logged-in time = available + talking + ACW + not ready."""
    return c["available_s"] + c["talking_s"] + c["acw_state_s"] + c["not_ready_s"]


def occupancy(c: Components) -> float | None:
    """occupancy = (talking + ACW) / (talking + ACW + available)."""
    busy = c["talking_s"] + c["acw_state_s"]
    return ratio(busy, busy + c["available_s"])


def utilization(c: Components) -> float | None:
    """utilization (工时利用率) = (talking + ACW + available) / logged-in."""
    return ratio(c["talking_s"] + c["acw_state_s"] + c["available_s"], logged_in_s(c))


def not_ready_ratio(c: Components) -> float | None:
    """not-ready ratio (示忙率) = not ready / logged-in."""
    return ratio(c["not_ready_s"], logged_in_s(c))


def ticket_frt_sla(c: Components) -> float | None:
    """first-response SLA = tickets answered within the channel target / tickets created."""
    return ratio(c["tickets_responded_within_target"], c["tickets_created"])


def ticket_resolution_sla(c: Components) -> float | None:
    """resolution SLA = tickets resolved within the channel target / tickets created."""
    return ratio(c["tickets_resolved_within_target"], c["tickets_created"])


def ticket_frt_s(c: Components) -> float | None:
    """mean first-response time = Σ first-response time / tickets responded."""
    return ratio(c["ticket_frt_sum_s"], c["tickets_responded"])


def total(component: str, meaning: str) -> Callable[[Components], float]:
    """Return a KPI that is a plain sum of one component, documented by `meaning`."""

    def compute(c: Components) -> float:
        return c[component]

    compute.__doc__ = f"{component} = {meaning}"
    return compute


def alert_response_s(c: Components) -> float | None:
    """alert response time = Σ(acknowledged, else resolved or period end − opened) / alerts opened

    Target under 10 minutes. An alert not acknowledged by the end of the period is missed: it
    runs until it resolved, the period ended or now, whichever came first, and counts in full,
    so never acknowledging can never score better than acknowledging late.
    """
    return ratio(c["alert_response_sum_s"], c["alerts_opened"])


def _qa_contacts(c: Components, basis: str) -> float:
    """Return what QA accuracy divides by: evaluated contacts, or handled calls (`qa_basis`)."""
    if basis == "evaluated":
        return c["qa_evaluated"]
    if basis == "handled":
        return c["handled"]
    raise ValueError(f"unknown qa_basis {basis!r}")


def _accuracy(errors: float, contacts: float) -> float | None:
    """Return 1 − errors / contacts, floored at 0 (many errors on few contacts), or None."""
    share = ratio(errors, contacts)
    return None if share is None else max(0.0, 1 - share)


def fatal_accuracy(c: Components, basis: str = DEFAULT_QA_BASIS) -> float | None:
    """fatal accuracy (致命错误准确率) = 1 − Σ fatal errors / evaluated contacts, floored at 0

    With `qa_basis: handled` (the trade's other wording) it divides by all handled calls.
    """
    return _accuracy(c["qa_fatal_errors"], _qa_contacts(c, basis))


def non_fatal_accuracy(c: Components, basis: str = DEFAULT_QA_BASIS) -> float | None:
    """non-fatal accuracy (非致命错误准确率) = 1 − Σ non-fatal errors / evaluated contacts, ≥ 0

    With `qa_basis: handled` (the trade's other wording) it divides by all handled calls.
    """
    return _accuracy(c["qa_non_fatal_errors"], _qa_contacts(c, basis))


def qa_score(c: Components) -> float | None:
    """QA score (质检平均分) = Σ evaluation scores / evaluations."""
    return ratio(c["qa_score_sum"], c["qa_evaluated"])


def monitoring_coverage(c: Components) -> float | None:
    """monitoring coverage (被监听覆盖率) = agent-days with ≥ 1 evaluation / agent-days logged in

    An agent-day is an agent and a local day of the client with logged-in seconds > 0.
    """
    return ratio(c["agent_days_evaluated"], c["agent_days_logged_in"])


def qa_evaluations_per_agent_day(c: Components) -> float | None:
    """evaluations per agent-day (被监听次数) = evaluations on agent-days / agent-days logged in"""
    return ratio(c["qa_evaluations_on_days"], c["agent_days_logged_in"])


QA_BASIS_KPIS = {"fatal_accuracy": fatal_accuracy, "non_fatal_accuracy": non_fatal_accuracy}


def schedule_adherence(c: Components) -> float | None:
    """schedule adherence (排班遵时率) = seconds in the scheduled state / scheduled seconds

    Scheduled work is adhered to while available, talking or in ACW; a break, lunch,
    training, meeting or day off while not ready or logged out (or silent past the stale
    cap). Only the past counts: a segment is measured up to now. Time no schedule covers is
    not measured.
    """
    return ratio(c["adherent_s"], c["scheduled_s"])


def conformance(c: Components) -> float | None:
    """conformance (排班符合度) = seconds worked / scheduled work seconds

    Worked: available, talking or in ACW at any time the schedule covers (a break worked
    through counts too, so it can pass 1); time no schedule covers is not counted.
    """
    return ratio(c["worked_s"], c["scheduled_work_s"])


def valid_complaint_rate(c: Components) -> float | None:
    """valid complaint rate (有理投诉率) = valid complaints / (handled calls + tickets resolved)

    A complaint is a ticket of `type: complaint`, valid once found justified (`valid: true`),
    counted in the period it was created; handled contacts are the inbound calls answered and
    ended plus the tickets resolved. The trade's target is tiny (< 0.05 %).
    """
    return ratio(c["valid_complaints"], c["handled"] + c["tickets_resolved"])


# The forecast accuracies below count the ended intervals of the period with a forecast: a
# WFM source's (the latest received of several), else CallPulse's own; intervals without a
# forecast are not counted. Actuals are the queue's (every vendor's calls). Floored at 0.


def forecast_accuracy(c: Components) -> float | None:
    """forecast accuracy (话务预测准确率) = 1 − Σ|actual − forecast offered| / Σ actual offered

    Per interval with a forecast (1 − WAPE), floored at 0; intervals without one are not
    counted. Actual offered = answered + abandoned + overflowed (short abandons excluded).
    """
    return _accuracy(c["forecast_offered_error"], c["forecast_actual_offered"])


def aht_forecast_accuracy(c: Components) -> float | None:
    """AHT forecast accuracy = 1 − Σ handled·|actual AHT − forecast AHT| / Σ handled·actual AHT

    Each interval with a forecast AHT and handled calls weighs by its handled calls, so
    Σ handled·|…| = Σ|handle seconds − handled × forecast AHT|; floored at 0.
    """
    return _accuracy(c["forecast_handle_error_s"], c["forecast_handle_s"])


def staffing_forecast_accuracy(c: Components) -> float | None:
    """staffing forecast accuracy (员工配备预测准确率) = 1 − Σ|forecast required − need| / Σ need

    The need of an interval: the Erlang C agents for the queue's SL target within its T at the
    interval's actual offered calls and AHT (the forecast AHT when none was handled; 0 without
    calls). Intervals whose forecast has no required_agents, or no AHT is known, are not
    counted; floored at 0.
    """
    return _accuracy(c["staffing_error"], c["staffing_need"])


def schedule_forecast_accuracy(c: Components) -> float | None:
    """schedule forecast accuracy (排班预测准确率) = 1 − Σ|scheduled agents − need| / Σ need

    The need: the Erlang C need of the interval, as staffing forecast accuracy computes it.
    Scheduled agents of an interval: seconds of `work` segments covering the queue / interval
    seconds (every vendor's agents). Intervals with a forecast and some schedule for the
    queue are counted (a floor that sends no schedules is not scored); floored at 0.
    """
    return _accuracy(c["schedule_error"], c["schedule_need"])


def callback_timeliness(c: Components) -> float | None:
    """callback timeliness (回访及时率) = callbacks made within callback_within_min / callbacks due

    A callback request is an inbound call that ended with exit_reason callback, counted in
    the period it was offered; its callback is the first outbound call naming it in
    `callback_of`, made when dialled. It is due once called back or once its deadline (its
    end + the queue's callback_within_min) has passed; a request still inside its window and
    not called back yet is pending, in neither count. The trade's target is 100 %.
    """
    return ratio(c["callbacks_on_time"], c["callbacks_due"])


@dataclass(frozen=True)
class Kpi:
    """A KPI as the API names it: its source (`app.kpi.sources`), unit, whether higher is
    better, and its function."""

    name: str
    source: str
    unit: str
    higher_is_better: bool | None
    compute: Callable[..., float | None]
    also_reads: tuple[str, ...] = ()  # other sources whose components it reads

    @property
    def formula(self) -> str:
        """Return the documented formula (the first line of the function's docstring)."""
        return (self.compute.__doc__ or "").split("\n")[0]


KPIS = {
    k.name: k
    for k in (
        Kpi("offered", "calls", "calls", None, offered),
        Kpi("answered", "calls", "calls", None, total("answered", "inbound calls answered")),
        Kpi("abandoned", "calls", "calls", False, total("abandoned", "abandoned with wait ≥ S")),
        Kpi(
            "short_abandoned",
            "calls",
            "calls",
            None,
            total("short_abandoned", "abandoned, wait < S"),
        ),
        Kpi(
            "answered_within_threshold",
            "calls",
            "calls",
            True,
            total("answered_within_threshold", "answered with wait ≤ T"),
        ),
        Kpi("service_level", "calls", "ratio", True, service_level),
        Kpi("asa_s", "calls", "s", False, asa_s),
        Kpi("answer_rate", "calls", "ratio", True, answer_rate),
        Kpi("abandon_rate", "calls", "ratio", False, abandon_rate),
        Kpi("handled", "calls", "calls", None, total("handled", "answered calls that ended")),
        Kpi("aht_s", "calls", "s", None, aht_s),
        Kpi("att_s", "calls", "s", None, att_s),
        Kpi("acw_s", "calls", "s", False, avg_acw_s),
        Kpi("transfer_rate", "calls", "ratio", False, transfer_rate),
        Kpi("fcr_rate", "calls", "ratio", True, fcr_rate),
        Kpi("csat", "calls", "score", True, csat),
        # added after the first release: after the others, so CSV columns keep their places
        Kpi("avg_hold_s", "calls", "s", False, avg_hold_s),
        Kpi("hold_rate", "calls", "ratio", False, hold_rate),
        Kpi(
            "received",
            "calls",
            "calls",
            None,
            total("received", "inbound calls that reached the queue, blocked included"),
        ),
        Kpi(
            "overflowed",
            "calls",
            "calls",
            False,
            total("overflowed", "offered, left unanswered by timeout, exit_key or an empty queue"),
        ),
        Kpi(
            "blocked",
            "calls",
            "calls",
            False,
            total("blocked", "turned away before waiting: join_empty, full, closed, diverted"),
        ),
        Kpi("overflow_rate", "calls", "ratio", False, overflow_rate),
        Kpi("occupancy", "agents", "ratio", None, occupancy),
        Kpi("utilization", "agents", "ratio", True, utilization),
        Kpi("not_ready_ratio", "agents", "ratio", False, not_ready_ratio),
        Kpi(
            "tickets_created",
            "tickets",
            "tickets",
            None,
            total("tickets_created", "tickets created"),
        ),
        Kpi("ticket_frt_sla", "tickets", "ratio", True, ticket_frt_sla),
        Kpi("ticket_resolution_sla", "tickets", "ratio", True, ticket_resolution_sla),
        Kpi(
            "ticket_backlog",
            "tickets",
            "tickets",
            False,
            total("tickets_open", "tickets created in the period and not resolved yet"),
        ),
        Kpi("ticket_frt_s", "tickets", "s", False, ticket_frt_s),
        Kpi("alerts_opened", "alerts", "alerts", None, total("alerts_opened", "alerts opened")),
        Kpi("alert_response_s", "alerts", "s", False, alert_response_s),
        Kpi(
            "qa_evaluated",
            "qa",
            "evaluations",
            None,
            total("qa_evaluated", "QA evaluations by evaluated_at"),
        ),
        Kpi("fatal_accuracy", "qa", "ratio", True, fatal_accuracy, ("calls",)),
        Kpi("non_fatal_accuracy", "qa", "ratio", True, non_fatal_accuracy, ("calls",)),
        Kpi("qa_score", "qa", "score", True, qa_score),
        Kpi("monitoring_coverage", "qa_days", "ratio", True, monitoring_coverage),
        Kpi(
            "qa_evaluations_per_agent_day",
            "qa_days",
            "per_agent_day",
            True,
            qa_evaluations_per_agent_day,
        ),
        Kpi("schedule_adherence", "schedules", "ratio", True, schedule_adherence),
        Kpi("conformance", "schedules", "ratio", None, conformance),
        Kpi("valid_complaint_rate", "tickets", "ratio", False, valid_complaint_rate, ("calls",)),
        Kpi("forecast_accuracy", "forecasts", "ratio", True, forecast_accuracy),
        Kpi("aht_forecast_accuracy", "forecasts", "ratio", True, aht_forecast_accuracy),
        Kpi("staffing_forecast_accuracy", "forecasts", "ratio", True, staffing_forecast_accuracy),
        Kpi("schedule_forecast_accuracy", "forecasts", "ratio", True, schedule_forecast_accuracy),
        Kpi(
            "callbacks_requested",
            "calls",
            "calls",
            None,
            total("callbacks", "inbound calls that ended with exit_reason callback"),
        ),
        Kpi("callback_timeliness", "callbacks", "ratio", True, callback_timeliness),
    )
}


def kpis_of(source: str) -> tuple[str, ...]:
    """Return the names of a source's KPIs, in catalogue order."""
    return tuple(name for name, kpi in KPIS.items() if kpi.source == source)


CALL_KPIS = kpis_of("calls")
AGENT_KPIS = kpis_of("agents")
ALERT_KPIS = kpis_of("alerts")
TICKET_KPIS = kpis_of("tickets")
QA_KPIS = kpis_of("qa")
QA_DAY_KPIS = kpis_of("qa_days")
COUNT_UNITS = ("calls", "tickets", "alerts", "evaluations")
SCHEDULE_KPIS = kpis_of("schedules")
FORECAST_KPIS = kpis_of("forecasts")
CALLBACK_KPIS = kpis_of("callbacks")


def evaluate(
    names: tuple[str, ...], c: Components, sl_formula: str, qa_basis: str = DEFAULT_QA_BASIS
) -> dict[str, float | None]:
    """Compute the named KPIs from summed components; counts come back as integers.

    Service level follows `sl_formula`, the QA accuracies `qa_basis` (evaluated or handled).
    """
    values = {
        name: service_level(c, sl_formula)
        if name == "service_level"
        else QA_BASIS_KPIS[name](c, qa_basis)
        if name in QA_BASIS_KPIS
        else KPIS[name].compute(c)
        for name in names
    }
    return {
        name: int(v) if v is not None and KPIS[name].unit in COUNT_UNITS else v
        for name, v in values.items()
    }


def definitions_version() -> str:
    """Return a fingerprint of every KPI (unit, direction, formula) and the SL formulas.

    Exports print it beside their figures, so a reader can tell whether two reports were
    computed by the same definitions: any change to a formula changes it.
    """
    text = repr(
        (
            sorted((k.name, k.unit, k.higher_is_better, k.formula) for k in KPIS.values()),
            sorted(SL_FORMULAS.items()),
            QA_BASES,
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]
