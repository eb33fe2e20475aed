"""The `contracts:` YAML entry: DESIGN §10's example as written, and errors naming the field."""

import copy
from decimal import Decimal
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from app.contracts.config import ContractSpec, target_kpi

DESIGN_EXAMPLE = """
code: acme-2026
client: acme
vendor: vendor-a
queues: [acme-cards]
valid_from: 2026-01-01
valid_to: 2026-12-31
targets:
  service_level: {min: 0.80, weight: 40}
  abandon_rate: {max: 0.05, weight: 20}
  asa_s: {max: 20, weight: 20}
  csat: {min: 85, weight: 20}
billing:
  model: per_workload            # per_seat (seats) | per_workload (handled) | per_hour (logged-in h)
  unit_price: 4.5
  currency: CNY
  bands: [{min_score: 95, coefficient: 1.05}, {min_score: 80, coefficient: 1.0}, {min_score: 0, coefficient: 0.9}]
  bonus: 0
  penalty_per_missed_target: 0
"""  # noqa: E501 (the bands line is DESIGN's, verbatim)


def design() -> dict[str, Any]:
    """Return DESIGN §10's example as a fresh mapping, to alter one field per test."""
    return copy.deepcopy(yaml.safe_load(DESIGN_EXAMPLE))


def errors(data: dict[str, Any]) -> list[str]:
    """Validate `data` and return its errors as `field.path: message`."""
    with pytest.raises(ValidationError) as info:
        ContractSpec.model_validate(data)
    return [
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
        for e in info.value.errors()
    ]


def test_design_example_loads_as_written():
    spec = ContractSpec.model_validate(design())
    assert spec.code == "acme-2026"
    assert spec.queues == ["acme-cards"]
    assert str(spec.valid_from) == "2026-01-01"
    assert spec.targets["service_level"].min == 0.80
    assert spec.targets["abandon_rate"].max == 0.05
    assert spec.targets["csat"].weight == Decimal(20)
    assert spec.billing.model == "per_workload"
    assert spec.billing.unit_price == Decimal("4.5")
    assert spec.billing.currency == "CNY"
    assert [(b.min_score, b.coefficient) for b in spec.billing.bands] == [
        (Decimal(95), Decimal("1.05")),
        (Decimal(80), Decimal("1.0")),
        (Decimal(0), Decimal("0.9")),
    ]
    assert spec.billing.bonus == spec.billing.penalty_per_missed_target == Decimal(0)


def test_every_issue_target_kpi_is_accepted():
    data = design()
    data["targets"] = {
        "service_level": {"min": 0.8, "weight": 10},
        "abandon_rate": {"max": 0.05, "weight": 10},
        "asa_s": {"max": 20, "weight": 10},
        "aht_s": {"min": 240, "max": 360, "weight": 10},
        "acw_s": {"max": 30, "weight": 5},
        "fcr_rate": {"min": 0.7, "weight": 10},
        "csat": {"min": 4.5, "weight": 10},
        "transfer_rate": {"max": 0.1, "weight": 5},
        "ticket_frt_sla": {"min": 0.9, "weight": 5},
        "ticket_frt_sla.email": {"min": 0.9, "weight": 5},
        "ticket_frt_sla.chat": {"min": 0.95, "weight": 5},
        "not_ready_ratio": {"max": 0.15, "weight": 5},
        "alert_response_s": {"max": 600, "weight": 5, "penalty": 1000},
        "answer_rate": {"min": 0.9, "weight": 5},
    }
    spec = ContractSpec.model_validate(data)
    assert spec.targets["aht_s"].min == 240 and spec.targets["aht_s"].max == 360
    assert spec.targets["alert_response_s"].penalty == Decimal(1000)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("service_level", ("service_level", None)),
        ("ticket_frt_sla", ("ticket_frt_sla", None)),
        ("ticket_frt_sla.email", ("ticket_frt_sla", "email")),
    ],
)
def test_target_key_splits_into_kpi_and_channel(key, expected):
    assert target_kpi(key) == expected


def test_unknown_keys_are_errors_naming_the_field():
    data = design()
    data["vallid_to"] = data.pop("valid_to")
    data["targets"]["asa_s"]["wieght"] = data["targets"]["asa_s"].pop("weight")
    data["billing"]["penalty_per_missed"] = 100
    found = errors(data)
    assert "vallid_to: Extra inputs are not permitted" in found
    assert "valid_to: Field required" in found
    assert "targets.asa_s.wieght: Extra inputs are not permitted" in found
    assert "targets.asa_s.weight: Field required" in found
    assert "billing.penalty_per_missed: Extra inputs are not permitted" in found


@pytest.mark.parametrize(
    ("key", "message"),
    [
        # a lower-case code may be a declared measure: `apply` names it (tests/measures)
        ("Servce_level", "targets: unknown KPI 'Servce_level' (use one of service_level, "),
        ("offered", "targets: unknown KPI 'offered'"),
        ("asa_s.email", "targets: 'asa_s.email': only ticket_frt_sla, ticket_resolution_sla,"),
        ("ticket_frt_sla.fax", "targets: 'ticket_frt_sla.fax': unknown channel (use one of"),
    ],
)
def test_unknown_target_keys_are_named(key, message):
    data = design()
    data["targets"][key] = {"min": 1, "weight": 10}
    [found] = errors(data)
    assert found.startswith(message)


def test_a_percentage_written_for_a_ratio_is_an_error():
    data = design()
    data["targets"]["service_level"]["min"] = 80
    assert errors(data) == [
        "targets: service_level.min 80 is not a fraction 0–1 (write 0.80 for 80 %)"
    ]


def test_per_seat_needs_seats():
    data = design()
    data["billing"]["model"] = "per_seat"
    assert errors(data) == ["billing.seats: required for per_seat billing"]
    data["billing"]["seats"] = 120
    assert ContractSpec.model_validate(data).billing.seats == 120


def test_seats_are_an_error_for_other_models():
    data = design()
    data["billing"]["seats"] = 120
    assert errors(data) == ["billing.seats: only for per_seat billing, not per_workload"]


def test_bands_need_one_reachable_at_score_zero():
    data = design()
    data["billing"]["bands"] = [{"min_score": 95, "coefficient": 1.05}]
    assert errors(data) == [
        "billing.bands: add a band with min_score 0, so every score has a coefficient"
    ]


def test_bands_are_sorted_and_distinct():
    data = design()
    data["billing"]["bands"].reverse()
    spec = ContractSpec.model_validate(data)
    assert [b.min_score for b in spec.billing.bands] == [95, 80, 0]
    data["billing"]["bands"].append({"min_score": 80, "coefficient": 1})
    assert errors(data) == ["billing.bands: two bands share a min_score"]


def test_bands_default_to_a_flat_coefficient_of_one():
    data = design()
    del data["billing"]["bands"]
    [band] = ContractSpec.model_validate(data).billing.bands
    assert (band.min_score, band.coefficient) == (0, 1)


def test_min_above_max_is_an_error():
    data = design()
    data["targets"]["aht_s"] = {"min": 360, "max": 240, "weight": 10}
    assert errors(data) == ["targets.aht_s: min 360 is above max 240"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({"weight": 10}, "targets.asa_s: give `min`, `max` or both"),
        ({"max": 20, "weight": 0}, "targets.asa_s.weight: Input should be greater than 0"),
        ({"max": 20}, "targets.asa_s.weight: Field required"),
        (
            {"max": 20, "weight": 10, "penalty": -1},
            "targets.asa_s.penalty: Input should be greater than or equal to 0",
        ),
    ],
)
def test_bad_targets_name_the_field(target, message):
    data = design()
    data["targets"]["asa_s"] = target
    assert errors(data) == [message]


def test_valid_to_before_valid_from_is_an_error():
    data = design()
    data["valid_to"] = "2025-12-31"
    assert errors(data) == ["valid_to: 2025-12-31 is before valid_from 2026-01-01"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("currency", "cny", "billing.currency: String should match pattern '^[A-Z]{3}$'"),
        ("model", "per_call", "billing.model: Input should be 'per_seat', 'per_workload' or"),
        ("unit_price", -1, "billing.unit_price: Input should be greater than or equal to 0"),
    ],
)
def test_bad_billing_names_the_field(field, value, message):
    data = design()
    data["billing"][field] = value
    [found] = errors(data)
    assert found.startswith(message)


def test_bonus_rules_are_sorted_by_score():
    data = design()
    data["billing"]["bonus_rules"] = [
        {"min_score": 90, "amount": 400},
        {"min_score": 98, "amount": 1000},
    ]
    rules = ContractSpec.model_validate(data).billing.bonus_rules
    assert [(r.min_score, r.amount) for r in rules] == [(98, 1000), (90, 400)]
