"""The `measures:` section: applied idempotently, every bad entry named by entry and field."""

import secrets

import pytest

from app.apply.file import load_file
from app.apply.service import apply_tenancy
from app.core.errors import ConfigError
from tests.measures.helpers import measures_yaml


def _apply(database, text: str) -> dict[str, int]:
    with database.session_scope() as session:
        return dict(apply_tenancy(session, load_file(text)).counts)


def test_applying_twice_changes_nothing_the_second_time(database):
    text = measures_yaml(secrets.token_hex(4))
    assert _apply(database, text) == {"measures created": 4}
    assert _apply(database, text) == {}
    changed = text.replace("unit: score", "unit: ratio").replace("zh: 员工满意度", "zh: 员工满意率")
    assert _apply(database, changed) == {"measures updated": 1}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{code: m1, name: {en: a, zh: 甲}, unit: ratio, direction: lower, formula: f, x: red}",
         "measures[0] (m1).x: unknown key"),
        ("{code: m1, name: {en: a, zh: 甲}, unit: percent, direction: lower, formula: f}",
         "measures[0] (m1).unit: Input should be 'ratio', 'count', 'score' or 'hours'"),
        ("{code: m1, name: {en: a}, unit: ratio, direction: lower, formula: f}",
         "measures[0] (m1).name.zh: required"),
        ("{code: m1, name: {en: a, zh: 甲}, unit: ratio, direction: up, formula: f}",
         "measures[0] (m1).direction: Input should be 'higher' or 'lower'"),
        ("{code: csat, name: {en: a, zh: 甲}, unit: score, direction: higher, formula: f}",
         "measures[0] (csat).code: 'csat' is a KPI CallPulse measures itself"),
        ("{code: Attr.x, name: {en: a, zh: 甲}, unit: ratio, direction: lower, formula: f}",
         "measures[0] (Attr.x).code: String should match pattern"),
        ("{code: m1, name: {en: a, zh: 甲}, unit: ratio, direction: lower, formula: {de: f}}",
         "measures[0] (m1).formula.de: unknown key"),
    ],
)  # fmt: skip
def test_bad_entries_are_named(entry, message):
    with pytest.raises(ConfigError) as info:
        load_file(f"measures: [{entry}]")
    assert message in info.value.message


def test_a_code_twice_is_named(database):
    entry = "{code: twice, name: {en: a, zh: 甲}, unit: ratio, direction: lower, formula: f}"
    with pytest.raises(ConfigError, match=r"measures\[1\] \(twice\)\.code: appears twice"):
        _apply(database, f"measures: [{entry}, {entry}]")
