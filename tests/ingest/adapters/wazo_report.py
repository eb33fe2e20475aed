"""Wazo/XiVO's statistics figures, computed from CallPulse's stats components.

Wazo's definitions (the cases' `definitions_note`) mapped onto the components of
`app.kpi.sources`, per hour bucket; a figure over several hours sums their components first.
Display follows Wazo's web interface: counts as integers, a percentage truncated
(`intval`) with " %", a duration as HH:MM:SS of its whole seconds, an empty cell when the
figure is undefined (a division by zero).
"""

import math
from collections.abc import Iterable, Mapping

Components = Mapping[str, float]

OVERFLOW_PARTS = ("exit_timeout", "exit_key", "exit_empty", "exit_leave_empty")
BLOCKED_PARTS = ("exit_join_empty", "exit_full", "exit_closed", "exit_diverted")
CALL_COMPONENTS = (
    "handled",
    "answered",
    "abandoned",
    "short_abandoned",
    "answered_within_threshold",
    "wait_answered_s",
    "talk_s",
    *OVERFLOW_PARTS,
    *BLOCKED_PARTS,
)
AGENT_COMPONENTS = ("available_s", "talking_s", "acw_state_s", "not_ready_s")


class NotComparable(Exception):
    """A Wazo figure CallPulse's components cannot give; the message says why."""


def total(buckets: Iterable[Components]) -> dict[str, float]:
    """Sum the components of several buckets."""
    summed: dict[str, float] = {}
    for bucket in buckets:
        for name, value in bucket.items():
            summed[name] = summed.get(name, 0.0) + value
    return summed


def count(value: float) -> str:
    """Wazo shows a count as an integer."""
    return str(round(value))


def percent(part: float, whole: float) -> str:
    """`intval(100 × part ÷ whole) . ' %'`; empty when `whole` is 0."""
    if round(whole) == 0:
        return ""
    return f"{(100 * round(part)) // round(whole)} %"


def duration(seconds: float) -> str:
    """HH:MM:SS of the whole seconds (Wazo casts to int: truncated)."""
    whole = math.floor(seconds + 1e-6)  # float8 sums of microsecond times: 899.9999999
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def whole(c: Components, name: str) -> int:
    """A component's whole seconds, truncated as Wazo's (int) does."""
    return math.floor(c[name] + 1e-6)


def answered(c: Components) -> float:
    """Wazo's answered: COMPLETE* or TRANSFER* logged (CONNECT alone is not): `handled`."""
    return c["handled"]


def abandoned(c: Components) -> float:
    """Callers who hung up while waiting, however long they waited."""
    return c["abandoned"] + c["short_abandoned"]


def received(c: Components) -> float:
    """Wazo's received: every call with a classified outcome (one still waiting is not)."""
    parts = (*OVERFLOW_PARTS, *BLOCKED_PARTS)
    return answered(c) + abandoned(c) + sum(c[p] for p in parts)


def blocking(c: Components) -> float:
    """JOINEMPTY + LEAVEEMPTY (Wazo logs EXITEMPTY then LEAVEEMPTY for one exit)."""
    return c["exit_join_empty"] + c["exit_leave_empty"] + c["exit_empty"]


def saturated(c: Components) -> float:
    """FULL + DIVERT_CA_RATIO + DIVERT_HOLDTIME."""
    return c["exit_full"] + c["exit_diverted"]


def answered_rate(c: Components) -> str:
    """answered ÷ (received − closed − diverted)."""
    return percent(answered(c), received(c) - c["exit_closed"] - c["exit_diverted"])


def qos(c: Components) -> str:
    """Answered within the 10 s threshold ÷ answered (the queue's `sl_threshold_s` is 10)."""
    return percent(c["answered_within_threshold"], c["answered"])


def awt(c: Components) -> str:
    """Σ wait ÷ (answered + abandoned + leave-empty + timeout).

    CallPulse keeps the wait of answered calls only (`wait_answered_s`): with an abandoned,
    timed-out or left-empty call in the bucket the sum is not there to compare.
    """
    waited = abandoned(c) + c["exit_timeout"] + c["exit_empty"] + c["exit_leave_empty"]
    if round(waited):
        raise NotComparable(
            "AWT: no component sums the wait of calls not answered (abandoned, timeout,"
            " left empty); CallPulse keeps the wait of answered calls only"
        )
    return "" if round(answered(c)) == 0 else duration(c["wait_answered_s"] / answered(c))


def login(c: Components) -> float:
    """Logged-in seconds: every state but logged_out."""
    return sum(c[name] for name in AGENT_COMPONENTS)


QUEUE_CELLS = {
    "Received": lambda c: count(received(c)),
    "Answered": lambda c: count(answered(c)),
    "Abandoned": lambda c: count(abandoned(c)),
    "Closed": lambda c: count(c["exit_closed"]),
    "Blocking": lambda c: count(blocking(c)),
    "Saturated": lambda c: count(saturated(c)),
    "AWT": awt,
    "Answered rate": answered_rate,
    "QoS": qos,
}
"""A cell of Wazo's queue page (stats1), from the calls' components of its hours."""

AGENT_CALL_CELLS = {
    "Answered": lambda c: count(answered(c)),
    "Conversation": lambda c: duration(c["talk_s"]),
}
"""A cell of Wazo's agent page (stats2) from the agent's calls (split by agent)."""

AGENT_STATE_CELLS = {
    "Login": lambda c: duration(login(c)),
    "Pause": lambda c: duration(c["not_ready_s"]),
    "Wrapup": lambda c: duration(c["acw_state_s"]),
}
"""A cell of Wazo's agent page from the agent's state seconds."""


def left_empty(c: Components) -> float:
    """Wazo's leaveempty rows: calls that left a queue with no member (EXITEMPTY, LEAVEEMPTY)."""
    return c["exit_empty"] + c["exit_leave_empty"]


def left_empty_wait(c: Components) -> str:
    """Σ wait of the calls that left empty: no component keeps it."""
    raise NotComparable(
        "waittime of left-empty calls: no component sums the wait of unanswered calls"
    )
