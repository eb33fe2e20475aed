"""The period picker's choices: months, ISO weeks or days, newest first, in the client's time.

Values are the labels `/v1/sla` takes (`2026-11`, `2026-W48`, `2026-11-23`); `today` is the
client's local date, so the current period is the client's, not the server's.
"""

from datetime import date, timedelta
from typing import Any

KINDS = ("month", "week", "day")
HOW_MANY = {"month": 24, "week": 26, "day": 62}


def current_period(kind: str, today: date) -> str:
    """Return the label of the period of `kind` that holds `today`."""
    if kind == "month":
        return f"{today:%Y-%m}"
    if kind == "week":
        year, week, _ = today.isocalendar()
        return f"{year}-W{week:02d}"
    return today.isoformat()


def kind_of(label: str) -> str:
    """Tell a label's kind: `2026-11` month, `2026-W48` week, `2026-11-23` day."""
    if "W" in label:
        return "week"
    return "day" if label.count("-") == 2 else "month"


def period_choices(kind: str, today: date, keep: str | None = None) -> list[dict[str, str]]:
    """Return dropdown options for `kind`, newest first, with `keep` added if it is older."""
    starts = _starts(kind, today)
    options = [
        {"label": _display(kind, start), "value": current_period(kind, start)} for start in starts
    ]
    if keep and kind_of(keep) == kind and keep not in {o["value"] for o in options}:
        options.append({"label": keep, "value": keep})
    return options


def choose_period(kind: str, today: date, current: str | None, wanted: str | None) -> str:
    """Keep the period shown if it is of `kind`, else the one asked for, else today's."""
    for label in (current, wanted):
        if label and kind_of(label) == kind:
            return label
    return current_period(kind, today)


def period_dates(period: dict[str, Any]) -> tuple[str, str]:
    """Return a report period's first and last local dates (its `end` is exclusive)."""
    last = date.fromisoformat(period["end"][:10]) - timedelta(days=1)
    return period["start"][:10], last.isoformat()


def _starts(kind: str, today: date) -> list[date]:
    if kind == "month":
        first = today.replace(day=1)
        starts = [first]
        for _ in range(HOW_MANY["month"] - 1):
            first = (first - timedelta(days=1)).replace(day=1)
            starts.append(first)
        return starts
    if kind == "week":
        monday = today - timedelta(days=today.weekday())
        return [monday - timedelta(weeks=n) for n in range(HOW_MANY["week"])]
    return [today - timedelta(days=n) for n in range(HOW_MANY["day"])]


def _display(kind: str, start: date) -> str:
    if kind == "week":
        sunday = start + timedelta(days=6)
        return f"{current_period('week', start)} ({start:%m-%d} – {sunday:%m-%d})"
    return current_period(kind, start)
