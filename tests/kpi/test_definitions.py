"""Each KPI on a small hand-computed fixture."""

from collections.abc import Mapping

import pytest

from app.core.vocabulary import SL_FORMULAS
from app.kpi.definitions import (
    AGENT_COMPONENTS,
    ALERT_COMPONENTS,
    CALL_COMPONENTS,
    CALLBACK_COMPONENTS,
    FORECAST_COMPONENTS,
    KPIS,
    QA_COMPONENTS,
    QA_DAY_COMPONENTS,
    SCHEDULE_COMPONENTS,
    TICKET_COMPONENTS,
    evaluate,
    service_level,
)
from app.kpi.sources import SL_COMPONENTS

ZERO = dict.fromkeys(
    CALL_COMPONENTS
    + AGENT_COMPONENTS
    + TICKET_COMPONENTS
    + ALERT_COMPONENTS
    + QA_COMPONENTS
    + QA_DAY_COMPONENTS
    + SCHEDULE_COMPONENTS
    + FORECAST_COMPONENTS
    + CALLBACK_COMPONENTS,
    0,
)

# DESIGN §7: 70 answered within T, 10 abandoned within T, 20 answered beyond T.
SL_CHECK = {
    **ZERO,
    "answered": 90,
    "abandoned": 10,
    "answered_within_threshold": 70,
    "abandoned_within_threshold": 10,
}


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("abandoned_negative", 0.700),
        ("ignore_abandoned", 0.778),
        ("abandoned_positive", 0.800),
        ("answered_only", 0.778),
    ],
)
def test_service_level_formulas_on_design_check(formula, expected):
    assert round(service_level(SL_CHECK, formula), 3) == expected


class OnlyThese(Mapping[str, float]):
    """Components that refuse to be read outside `names` (what a window sums)."""

    def __init__(self, values: dict[str, float], names: tuple[str, ...]) -> None:
        self.values, self.names = values, names

    def __getitem__(self, name: str) -> float:
        assert name in self.names, f"service_level read {name}, not in SL_COMPONENTS"
        return self.values[name]

    def __iter__(self):
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


@pytest.mark.parametrize("formula", sorted(SL_FORMULAS))
def test_service_level_reads_only_its_components(formula):
    assert service_level(OnlyThese(SL_CHECK, SL_COMPONENTS), formula) == service_level(
        SL_CHECK, formula
    )


def test_unknown_formula_is_an_error():
    with pytest.raises(ValueError, match="unknown sl_formula"):
        service_level(SL_CHECK, "magic")


def test_call_kpis_by_hand():
    # 4 answered (waits 5, 10, 25, 40 s), 1 abandoned at 30 s, 1 short abandon at 2 s (S = 3);
    # 3 handled: talk 100/200/300, hold 0/10/20, acw 30/30/30; 1 transferred;
    # resolved known on 2 (1 yes); csat 80 and 100.
    c = {
        **ZERO,
        "answered": 4,
        "abandoned": 1,
        "short_abandoned": 1,
        "answered_within_threshold": 2,
        "abandoned_within_threshold": 0,
        "wait_answered_s": 80,
        "handled": 3,
        "talk_s": 600,
        "hold_s": 30,
        "acw_s": 90,
        "transferred": 1,
        "resolved_known": 2,
        "resolved": 1,
        "surveyed": 2,
        "csat_sum": 180,
    }
    k = evaluate(tuple(KPIS), c, "abandoned_negative")
    assert k["offered"] == 5
    assert k["service_level"] == 2 / 5
    assert k["asa_s"] == 20
    assert k["answer_rate"] == 4 / 5
    assert k["abandon_rate"] == 1 / 5
    assert k["aht_s"] == 240  # (600 + 30 + 90) / 3
    assert k["att_s"] == 200
    assert k["acw_s"] == 30
    assert k["transfer_rate"] == 1 / 3
    assert k["fcr_rate"] == 0.5
    assert k["csat"] == 90


def test_agent_kpis_by_hand():
    # 8 h logged in: 1 h available, 4 h talking, 1 h ACW, 2 h not ready
    c = {**ZERO, "available_s": 3600, "talking_s": 14400, "acw_state_s": 3600, "not_ready_s": 7200}
    k = evaluate(("occupancy", "utilization", "not_ready_ratio"), c, "abandoned_negative")
    assert k["occupancy"] == 18000 / 21600
    assert k["utilization"] == 21600 / 28800
    assert k["not_ready_ratio"] == 0.25


def test_ticket_kpis_by_hand():
    c = {
        **ZERO,
        "tickets_created": 10,
        "tickets_responded": 8,
        "tickets_responded_within_target": 6,
        "ticket_frt_sum_s": 8 * 900,
        "tickets_resolved": 5,
        "tickets_resolved_within_target": 4,
        "tickets_open": 5,
    }
    k = evaluate(
        (
            "tickets_created",
            "ticket_frt_sla",
            "ticket_resolution_sla",
            "ticket_backlog",
            "ticket_frt_s",
        ),
        c,
        "abandoned_negative",
    )
    assert k == {
        "tickets_created": 10,
        "ticket_frt_sla": 0.6,
        "ticket_resolution_sla": 0.4,
        "ticket_backlog": 5,
        "ticket_frt_s": 900,
    }


def test_alert_response_by_hand():
    # three alerts: acknowledged after 4 and 8 minutes, one never acknowledged and resolved
    # after 30 minutes, which counts in full: (240 + 480 + 1800) / 3 = 840 s
    c = {**ZERO, "alerts_opened": 3, "alerts_acknowledged": 2, "alert_response_sum_s": 2520}
    k = evaluate(("alerts_opened", "alert_response_s"), c, "abandoned_negative")
    assert k == {"alerts_opened": 3, "alert_response_s": 840}


def test_no_data_is_none_not_zero():
    k = evaluate(tuple(KPIS), ZERO, "ignore_abandoned")
    assert k["service_level"] is None and k["asa_s"] is None and k["occupancy"] is None
    assert k["offered"] == 0 and k["handled"] == 0


def test_every_kpi_documents_its_formula():
    assert all(" = " in kpi.formula for kpi in KPIS.values()), [
        k.name for k in KPIS.values() if " = " not in k.formula
    ]
    assert KPIS["aht_s"].formula.startswith("AHT = Σ(talk + hold + acw) / handled")


def test_hold_kpis_by_hand():
    # 4 handled calls held 0, 30, 90 and 0 s: Σ hold 120 s, 2 of them held
    c = {**ZERO, "handled": 4, "hold_s": 120, "held": 2}
    k = evaluate(("avg_hold_s", "hold_rate"), c, "abandoned_negative")
    assert k == {"avg_hold_s": 30, "hold_rate": 0.5}
    assert evaluate(("avg_hold_s", "hold_rate"), ZERO, "abandoned_negative") == {
        "avg_hold_s": None,
        "hold_rate": None,
    }
