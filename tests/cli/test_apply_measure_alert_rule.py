"""An alert rule on a measure (a monthly value the vendor submits) is refused when the YAML
is read, saying why: a measure has no rolling window to watch."""

import pytest

from app.apply.file import load_file
from app.core.errors import ConfigError

YAML = """
measures:
  - code: attrition_rate
    name: {en: Attrition rate, zh: 人员流失率}
    unit: ratio
    direction: lower
    formula: leavers / average headcount
alert_rules:
  - {name: attrition-high, metric: %s, op: ">", threshold: 0.2}
"""


def test_a_rule_on_a_measure_is_refused_with_the_reason():
    with pytest.raises(ConfigError) as refused:
        load_file(YAML % "attrition_rate", "tenants.yaml")
    message = refused.value.message
    assert message.startswith("tenants.yaml: alert_rules[0] (attrition-high).metric:")
    assert "'attrition_rate' is not a metric alert rules watch" in message
    assert "one value per period, submitted after the period ends" in message
    assert "no rolling window" in message
    assert "schedule_adherence" in message  # the metrics a rule may use are listed


def test_a_rule_on_a_catalogue_metric_still_loads():
    spec = load_file(YAML % "fatal_accuracy", "tenants.yaml")
    assert spec.alert_rules[0].metric == "fatal_accuracy"
