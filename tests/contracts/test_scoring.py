"""Scoring and billing on hand-computed fixtures: each model, bands, bonus and penalties."""

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.contracts.config import Band, ContractSpec, ContractTarget
from app.contracts.scoring import (
    TargetResult,
    amount,
    band_for,
    bonus_for,
    evaluate_contract,
    money,
    quantity_for,
    score,
    target_met,
)
from tests.contracts.test_config import design

D = Decimal
# DESIGN §10's targets: service level ≥ 0.80 (40), abandon ≤ 0.05 (20), ASA ≤ 20 s (20),
# CSAT ≥ 85 (20); bands 95 → 1.05, 80 → 1.00, 0 → 0.90.
ALL_MET = {"service_level": 0.85, "abandon_rate": 0.03, "asa_s": 15.0, "csat": 90.0}
BANDS = [
    Band(min_score=D(95), coefficient=D("1.05")),
    Band(min_score=D(80), coefficient=D("1.00")),
    Band(min_score=D(0), coefficient=D("0.90")),
]


def contract(**billing: Any) -> ContractSpec:
    """Return DESIGN §10's contract with some billing keys replaced."""
    data = design()
    data["billing"].update(billing)
    return ContractSpec.model_validate(data)


def row(weight: str, met: bool | None) -> TargetResult:
    """Return a compliance row carrying only what the score reads."""
    points = None if met is None else (D(weight) if met else D(0))
    return TargetResult("asa_s", None, 20, D(weight), None, met, points, None)


def test_per_workload_reproduces_design_invoice_line():
    # ASA 25 s misses (20 of 100 weight): score 100 × 80 / 100 = 80.00 → band 80 → 1.00.
    # 12,345 × 4.50 × 1.00 + 0 − 0 = 55,552.50
    result = evaluate_contract(contract(), {**ALL_MET, "asa_s": 25.0}, D(12345))
    assert result.score == D("80.00")
    assert result.band is not None and result.band.min_score == 80
    assert result.amount.total == D("55552.50")
    assert result.line == "12,345 handled × ¥4.50 × 1.00 + ¥0 − ¥0 = ¥55,552.50"


def test_per_workload_all_met_rounds_half_up():
    # score 100 → band 95 → 1.05; 12,345 × 4.50 = 55,552.50; × 1.05 = 58,330.125 → 58,330.13
    result = evaluate_contract(contract(), ALL_MET, D(12345))
    assert result.score == D(100)
    assert result.amount.coefficient == D("1.05")
    assert result.amount.total == D("58330.13")
    assert result.line == "12,345 handled × ¥4.50 × 1.05 + ¥0 − ¥0 = ¥58,330.13"


def test_per_seat_with_penalty_per_missed_target():
    # Service level 0.78 misses (weight 40): score 100 × 60 / 100 = 60.00 → band 0 → 0.90.
    # 120 seat-months × 6,800 = 816,000; × 0.90 = 734,400; − 1 missed × 500 = 733,900.00
    spec = contract(model="per_seat", seats=120, unit_price=6800, penalty_per_missed_target=500)
    quantity = quantity_for(spec.billing, handled=99_999, logged_in_s=1e9, months=Fraction(1))
    assert quantity == D(120)
    result = evaluate_contract(spec, {**ALL_MET, "service_level": 0.78}, quantity)
    assert result.score == D("60.00")
    assert result.amount.coefficient == D("0.9")
    assert result.amount.penalty == D(500)
    assert result.amount.total == D("733900.00")
    assert result.line == "120 seat-months × ¥6,800.00 × 0.90 + ¥0 − ¥500.00 = ¥733,900.00"


def test_per_hour_with_fixed_bonus_and_bonus_rule():
    # 4,444,218 s logged in = 1,234.505 h → 1,234.51 h (half-up, before pricing).
    # All met: score 100 → 1.05; top bonus rule reached is 98 → 1,000, plus the fixed 100.
    # 1,234.51 × 12.75 = 15,740.0025; × 1.05 = 16,527.002625; + 1,100 = 17,627.002625 → 17,627.00
    spec = contract(
        model="per_hour",
        unit_price="12.75",
        currency="USD",
        bonus=100,
        bonus_rules=[{"min_score": 90, "amount": 400}, {"min_score": 98, "amount": 1000}],
    )
    quantity = quantity_for(spec.billing, handled=0, logged_in_s=4_444_218, months=Fraction(1))
    assert quantity == D("1234.51")
    result = evaluate_contract(spec, ALL_MET, quantity)
    assert result.amount.bonus == D(1100)
    assert result.amount.total == D("17627.00")
    assert result.unit == "h"
    assert result.line == "1,234.51 h × $12.75 × 1.05 + $1,100.00 − $0 = $17,627.00"


def test_per_workload_quantity_is_handled_contacts():
    assert quantity_for(
        contract().billing, handled=12_345, logged_in_s=7200, months=Fraction(1)
    ) == D(12345)


@pytest.mark.parametrize(
    ("months", "seat_months"),
    [
        (Fraction(1), D(120)),  # a whole month
        (Fraction(7, 30), D(28)),  # a week in November: 120 × 7/30
        (Fraction(1, 31), D("3.8710")),  # a day in October: 120/31 = 3.870967… → 3.8710
        (Fraction(3, 31) + Fraction(4, 30), D("27.6129")),  # 29 Oct–4 Nov: 11.6129… + 16
    ],
)
def test_per_seat_prorates_a_monthly_seat_price_by_days(months, seat_months):
    spec = contract(model="per_seat", seats=120, unit_price=6800)
    assert quantity_for(spec.billing, handled=0, logged_in_s=0, months=months) == seat_months


@pytest.mark.parametrize(
    ("score_", "bonus"),
    [(D(100), D(1000)), (D(98), D(1000)), (D("97.99"), D(400)), (D(90), D(400)), (D(89), 0)],
)
def test_only_the_highest_bonus_rule_reached_pays(score_, bonus):
    spec = contract(
        bonus_rules=[{"min_score": 98, "amount": 1000}, {"min_score": 90, "amount": 400}]
    )
    assert bonus_for(spec.billing, score_) == bonus
    assert bonus_for(spec.billing, None) == 0


def test_penalties_add_per_missed_target_and_each_targets_own():
    # ASA (20) and abandon rate (20) miss: score 100 × 60 / 100 = 60.00 → 0.90.
    # penalty = 500 (ASA) + (500 + 2,000) (abandon rate) = 3,000
    # 1,000 × 4.50 × 0.90 = 4,050; − 3,000 = 1,050.00
    data = design()
    data["targets"]["abandon_rate"]["penalty"] = 2000
    data["billing"]["penalty_per_missed_target"] = 500
    spec = ContractSpec.model_validate(data)
    actuals = {**ALL_MET, "asa_s": 21.0, "abandon_rate": 0.06}
    result = evaluate_contract(spec, actuals, D(1000))
    penalties = {r.kpi: r.penalty for r in result.rows}
    assert penalties == {"service_level": 0, "abandon_rate": 2500, "asa_s": 500, "csat": 0}
    assert result.amount.penalty == D(3000)
    assert result.amount.total == D("1050.00")
    assert result.line == "1,000 handled × ¥4.50 × 0.90 + ¥0 − ¥3,000.00 = ¥1,050.00"


def test_a_target_without_data_is_shown_but_not_scored_or_penalised():
    # The email target (weight 20) has no data: score = 100 × 80 / 100 = 80.00, not 80 / 120.
    data = design()
    data["targets"]["ticket_frt_sla.email"] = {"min": 0.9, "weight": 20}
    data["billing"]["penalty_per_missed_target"] = 500
    spec = ContractSpec.model_validate(data)
    result = evaluate_contract(spec, {**ALL_MET, "asa_s": 25.0}, D(100))
    email = next(r for r in result.rows if r.kpi == "ticket_frt_sla.email")
    assert (email.actual, email.met, email.points, email.penalty) == (None, None, None, None)
    assert email.weight == 20 and email.min == 0.9
    assert result.score == D("80.00")
    assert result.amount.penalty == D(500)


def test_rows_carry_target_actual_met_weight_points():
    result = evaluate_contract(contract(), {**ALL_MET, "asa_s": 25.0}, D(1))
    assert [(r.kpi, r.min, r.max, r.actual, r.met, r.weight, r.points) for r in result.rows] == [
        ("service_level", 0.8, None, 0.85, True, 40, 40),
        ("abandon_rate", None, 0.05, 0.03, True, 20, 20),
        ("asa_s", None, 20, 25.0, False, 20, 0),
        ("csat", 85, None, 90.0, True, 20, 20),
    ]


def test_no_data_at_all_means_no_score_and_no_adjustment():
    # No score, no band: coefficient 1, no bonus rule, no penalty; only the fixed bonus of 50.
    # 10 seats × 100 × 1 + 50 = 1,050.00
    spec = contract(
        model="per_seat",
        seats=10,
        unit_price=100,
        bonus=50,
        bonus_rules=[{"min_score": 0, "amount": 999}],
        penalty_per_missed_target=500,
    )
    result = evaluate_contract(spec, {}, D(10))
    assert result.score is None and result.band is None
    assert all(r.met is None for r in result.rows)
    assert result.amount.coefficient == 1
    assert result.amount.total == D("1050.00")
    assert result.line == "10 seat-months × ¥100.00 × 1.00 + ¥50.00 − ¥0 = ¥1,050.00"


@pytest.mark.parametrize(
    ("actual", "met"),
    [(239.9, False), (240.0, True), (300.0, True), (360.0, True), (360.1, False), (None, None)],
)
def test_aht_range_is_met_inside_and_missed_on_both_sides(actual, met):
    target = ContractTarget(min=240, max=360, weight=D(10))
    assert target_met(target, actual) is met


def test_one_sided_targets_include_their_end():
    assert target_met(ContractTarget(min=0.8, weight=D(1)), 0.8) is True
    assert target_met(ContractTarget(max=0.05, weight=D(1)), 1 / 20) is True
    assert target_met(ContractTarget(max=0.05, weight=D(1)), 0.0501) is False


@pytest.mark.parametrize(
    ("score_", "coefficient"),
    [
        (D(100), D("1.05")),
        (D(95), D("1.05")),
        (D("94.99"), D("1.00")),
        (D(80), D("1.00")),
        (D("79.99"), D("0.90")),
        (D(0), D("0.90")),
    ],
)
def test_band_boundaries(score_, coefficient):
    assert band_for(BANDS, score_).coefficient == coefficient
    assert band_for(list(reversed(BANDS)), score_).coefficient == coefficient


def test_band_for_without_a_zero_band_is_an_error():
    with pytest.raises(ValueError, match="no band covers score 50"):
        band_for(BANDS[:2], D(50))


def test_score_is_rounded_half_up_to_cents_before_the_band_is_chosen():
    # 7,999 of 10,000 weight met: 79.99 → band 0 (0.90).
    assert score([row("7999", True), row("2001", False)]) == D("79.99")
    # 15,999 of 20,000: 79.995 → 80.00, the score printed, → band 80 (1.00).
    rounded = score([row("15999", True), row("4001", False)])
    assert rounded == D("80.00")
    assert band_for(BANDS, rounded).coefficient == 1
    # 2 of 3: 66.666… → 66.67
    assert score([row("1", True), row("1", True), row("1", False)]) == D("66.67")


def test_score_leaves_out_targets_without_data():
    assert score([row("40", True), row("60", None)]) == D(100)
    assert score([row("40", None)]) is None
    assert score([]) is None


def test_amount_rounds_half_up_not_to_even():
    # 1 × 0.125 × 1 = 0.125 → 0.13 (banker's rounding would give 0.12)
    assert amount(D(1), D("0.125"), D(1), D(0), D(0)).total == D("0.13")
    assert amount(D(3), D(10), D("0.9"), D(0), D(40)).total == D("-13.00")


@pytest.mark.parametrize(
    ("value", "currency", "text"),
    [
        (D(0), "CNY", "¥0"),
        (D("4.5"), "CNY", "¥4.50"),
        (D("1234567.891"), "USD", "$1,234,567.891"),
        (D(-5), "EUR", "−€5.00"),
        (D("1234.5"), "GBP", "GBP 1,234.50"),
    ],
)
def test_money_format(value, currency, text):
    assert money(value, currency) == text


weights = st.decimals(min_value=D("0.01"), max_value=D(1000), places=2)


@given(st.lists(st.tuples(weights, st.sampled_from([True, False, None])), max_size=20))
def test_score_is_between_0_and_100(rows):
    result = score([row(str(w), met) for w, met in rows])
    if all(met is None for _, met in rows):
        assert result is None
    else:
        assert result is not None and 0 <= result <= 100


scores = st.decimals(min_value=0, max_value=100, places=2)


@given(
    st.sets(scores, max_size=6),
    st.lists(st.decimals(min_value=0, max_value=2, places=2), min_size=7, max_size=7),
    scores,
    scores,
)
def test_coefficient_is_monotone_when_bands_are(min_scores, coefficients, low, high):
    # Bands whose coefficient rises with min_score give a coefficient that rises with score.
    ordered = sorted(min_scores | {D(0)})
    bands = [
        Band(min_score=s, coefficient=c)
        for s, c in zip(ordered, sorted(coefficients), strict=False)
    ]
    low, high = sorted((low, high))
    assert band_for(bands, low).coefficient <= band_for(bands, high).coefficient
