"""The words CallPulse stores and accepts, each spelled here once (DESIGN §5, §7).

The ORM's check constraints, the ingest and YAML schemas (and so the OpenAPI enums), contract
validation, the live view and the pages take these, so adding a word is one edit here, plus a
migration for the check constraint; tests/core/test_vocabulary.py names whatever else lacks it
(a default ticket target, a display name, a service-level branch).
"""

ON_PHONE_STATES = ("available", "talking", "acw")
"""Logged in and taking contacts: waiting for one, on one, or wrapping one up."""

LOGGED_IN_STATES = (*ON_PHONE_STATES, "not_ready")
LOGGED_OUT = "logged_out"
AGENT_STATES = (LOGGED_OUT, *LOGGED_IN_STATES)
"""Every state an agent event may enter."""

TICKET_CHANNELS = ("email", "chat", "web", "social", "sms")

ANSWERED_EXIT = "answered"
ABANDONED_EXIT = "abandoned"
OVERFLOW_EXITS = ("timeout", "exit_key", "exit_empty", "leave_empty")
"""Offered, not answered, and not the caller's choice to hang up: counted as overflowed."""
CLOSED_EXIT = "closed"
BLOCKED_EXITS = ("join_empty", "full", CLOSED_EXIT, "diverted")
"""Turned away before waiting: counted as blocked, never offered."""
CALLBACK_EXIT = "callback"
"""The caller left a number to be called back: not abandoned."""
EXIT_REASONS = (ANSWERED_EXIT, ABANDONED_EXIT, *OVERFLOW_EXITS, *BLOCKED_EXITS, CALLBACK_EXIT)
"""How a call left its queue (DESIGN §5, §7); a call without one is answered or abandoned
by its timestamps."""

DEFAULT_SL_FORMULA = "abandoned_negative"
SL_FORMULAS = {
    DEFAULT_SL_FORMULA: "A_T / offered",
    "ignore_abandoned": "A_T / (offered − AB_T)",
    "abandoned_positive": "(A_T + AB_T) / offered",
    "answered_only": "A_T / answered",
}
"""A queue's service-level formula by name (DESIGN §7): A_T answered and AB_T abandoned
within the threshold T, short abandons left out."""

SL_FORMULA_NAMES = tuple(SL_FORMULAS)

DEFAULT_QA_BASIS = "evaluated"
QA_BASES = (DEFAULT_QA_BASIS, "handled")
"""What QA accuracy divides Σ errors by: the contacts evaluated, or every handled call (the
wording of some outsourcing contracts)."""
QA_MODES = ("live", "recording")
"""How a QA evaluation was made: listening in live (实时监听) or to a recording (录音质检)."""


def spoken_list(words: tuple[str, ...]) -> str:
    """Join words for a sentence: `email, chat, web, social or sms`."""
    return f"{', '.join(words[:-1])} or {words[-1]}"


WORK_ACTIVITY = "work"
SCHEDULE_ACTIVITIES = (WORK_ACTIVITY, "break", "lunch", "training", "meeting", "off")
"""What a schedule segment plans: work (on the phone: available, talking or ACW), or one of
the activities away from the phone (adhered to while not ready or logged out)."""
# KPIs measured outside the ACD (`measures:`): their units, and the range a value of each may take.
MEASURE_UNITS = ("ratio", "count", "score", "hours")
MEASUREMENT_STATES = ("submitted", "confirmed", "disputed")
COMPLAINT = "complaint"  # a ticket's type counted by valid_complaint_rate (有理投诉率)
