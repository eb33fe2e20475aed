"""A settled report's close and restatement in words, for the page and every export.

`closed` says when, by whom and under which SHA-256 the period was closed, or that it is
open and its figures may still change; `restatement` lists the figures the live data now
states otherwise (closed → now), each formatted as the report formats it.
"""

from typing import Any

from app.contracts.text import money_text, number_text, target_name
from app.contracts.words import word
from app.core.formats import value_text


def close_line(report: dict[str, Any], lang: str) -> str:
    """Return `closed at … by …, SHA-256 …` or `open (figures may still change)`."""
    closed = report.get("closed")
    if not closed:
        return word(lang, "open_line")
    at = f"{closed['at'][:19].replace('T', ' ')} {report['timezone']}"
    return word(lang, "closed_line").format(at=at, by=closed["by"], sha256=closed["sha256"])


def figure_name(kpi: str, lang: str, report: dict[str, Any]) -> str:
    """Name a restated figure: a target by its name (a measure's as declared), or the score
    or the amount."""
    if kpi in ("score", "amount"):
        return word(lang, kpi)
    target = next((t for t in report["targets"] if t["kpi"] == kpi), {"kpi": kpi})
    return target_name(target, lang)


def restatement_rows(report: dict[str, Any], lang: str) -> list[tuple[str, str, str]]:
    """Return (figure, closed, now) as text for every restated figure, in the report's order."""
    units = {t["kpi"]: t["unit"] for t in report["targets"]}
    currency = report["amount"]["currency"]

    def shown(kpi: str, value: float | None) -> str:
        if kpi == "amount":
            return money_text(value, currency)
        if kpi == "score":
            return number_text(value)
        return value_text(value, units.get(kpi, ""))

    return [
        (
            figure_name(kpi, lang, report),
            shown(kpi, row["closed"]),
            shown(kpi, row["now"]),
        )
        for row in report.get("restatement") or []
        for kpi in [row["kpi"]]
    ]


def restatement_line(report: dict[str, Any], lang: str) -> str | None:
    """Return the restatement in one line (`Service level 80.00% → 81.82%; …`), or None."""
    if report.get("closed") is None:
        return None
    rows = restatement_rows(report, lang)
    if not rows:
        return f"{word(lang, 'restatement')}: {word(lang, 'restatement_none')}"
    changes = "; ".join(f"{name} {was} → {now}" for name, was, now in rows)
    return f"{word(lang, 'restatement')}: {changes}"
