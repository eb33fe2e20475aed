"""The alert evaluator: opens on breach above minimum volume, hysteresis, escalation."""

from datetime import UTC, datetime, timedelta

from app.alerts.evaluator import Action, ActiveAlert, Reading, cleared, decide

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TEN = timedelta(minutes=10)


def sl_rule(reading, active=None, now=NOW):
    return decide("<", 0.80, 10, TEN, reading, active, now)


def test_opens_on_first_breach_at_minimum_volume():
    assert sl_rule(Reading(0.70, 10)) is Action.OPEN
    assert sl_rule(Reading(0.70, 9)) is Action.NOTHING  # below minimum volume
    assert sl_rule(Reading(0.85, 50)) is Action.NOTHING
    assert sl_rule(Reading(None, 0)) is Action.NOTHING


def test_open_alert_is_not_duplicated_and_resolves_with_hysteresis():
    active = ActiveAlert("open", NOW - timedelta(minutes=2), None)
    assert sl_rule(Reading(0.70, 30), active) is Action.KEEP
    assert sl_rule(Reading(0.80, 30), active) is Action.KEEP  # at the threshold: no flapping
    assert sl_rule(Reading(0.83, 30), active) is Action.KEEP  # inside the 5 % margin
    assert sl_rule(Reading(0.85, 30), active) is Action.RESOLVE
    assert cleared(">", 0.094, 0.10) and not cleared(">", 0.096, 0.10)


def test_escalates_when_not_acknowledged_in_time_and_again_later():
    opened = NOW - timedelta(minutes=10)
    assert sl_rule(Reading(0.7, 30), ActiveAlert("open", opened, None)) is Action.ESCALATE
    assert (
        sl_rule(Reading(0.7, 30), ActiveAlert("open", opened, NOW - timedelta(minutes=3)))
        is Action.KEEP
    )
    assert sl_rule(Reading(0.7, 30), ActiveAlert("open", opened, NOW - TEN)) is Action.ESCALATE
    assert sl_rule(Reading(0.7, 30), ActiveAlert("acknowledged", opened, None)) is Action.KEEP
