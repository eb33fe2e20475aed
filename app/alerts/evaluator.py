"""Decide what a rule's latest reading means for its alert (pure).

A breach opens an alert only at or above the rule's minimum volume. An open alert
resolves only once the metric is back past the threshold by a hysteresis margin, so a
metric hovering at the threshold does not flap. Unacknowledged past its deadline it
escalates, and again every `ack_within` after that.
"""

import operator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

HYSTERESIS = 0.05  # of |threshold|
MIN_MARGIN = 1e-9
COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


class Action(Enum):
    """What to do with the (rule, queue) pair after a reading."""

    NOTHING = "nothing"
    OPEN = "opened"
    KEEP = "kept"
    ESCALATE = "escalated"
    RESOLVE = "resolved"


@dataclass(frozen=True)
class Reading:
    """A metric's value over the rule's window, and the volume it rests on."""

    value: float | None
    volume: float


@dataclass(frozen=True)
class ActiveAlert:
    """What the evaluator needs of an alert that is not resolved yet."""

    state: str
    opened_at: datetime
    escalated_at: datetime | None


def breached(op: str, value: float, threshold: float) -> bool:
    """Tell whether `value op threshold` holds (the rule fires on it)."""
    return COMPARE[op](value, threshold)


def cleared(op: str, value: float, threshold: float) -> bool:
    """Tell whether the value is back past the threshold by the hysteresis margin."""
    margin = max(abs(threshold) * HYSTERESIS, MIN_MARGIN)
    if op in ("<", "<="):
        return value >= threshold + margin
    return value <= threshold - margin


def decide(
    op: str,
    threshold: float,
    min_volume: float,
    ack_within: timedelta,
    reading: Reading,
    active: ActiveAlert | None,
    now: datetime,
) -> Action:
    """Return the action for this reading, given the alert that is active (if any)."""
    if active is None:
        if reading.value is None or reading.volume < min_volume:
            return Action.NOTHING
        return Action.OPEN if breached(op, reading.value, threshold) else Action.NOTHING
    if reading.value is not None and cleared(op, reading.value, threshold):
        return Action.RESOLVE
    if active.state == "open":
        since = active.escalated_at or active.opened_at
        if now - since >= ack_within:
            return Action.ESCALATE
    return Action.KEEP
