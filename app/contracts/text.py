"""The SLA report's numbers as words, in English or Chinese, for the page and the exports.

Pure functions of the `/v1/sla` JSON: ratios are fractions (shown in % to 0.01), durations
seconds (under a minute to 0.1 s, else mm:ss), money with its currency symbol, and a target
met, missed or without data as an icon and a word, never as a colour alone.
"""

from decimal import Decimal
from typing import Any

from app.contracts.config import target_kpi
from app.contracts.scoring import money
from app.contracts.words import word
from app.kpi.names import FORMULAS_ZH, kpi_name, sl_expression

MARKS = {True: ("met", "✓", "met_yes"), False: ("breach", "✗", "met_no")}
NO_DATA = ("neutral", "○", "met_none")


def met_mark(met: bool | None, lang: str) -> tuple[str, str]:
    """Return (css class, `✓ met` / `✗ missed` / `○ no data`) for a target's verdict."""
    css, icon, key = NO_DATA if met is None else MARKS[met]
    return css, f"{icon} {word(lang, key)}"


def number_text(value: float | None) -> str:
    """Format a weight or points: `40`, `13.5`; `—` without data."""
    return "—" if value is None else f"{value:g}"


def money_text(value: float | None, currency: str) -> str:
    """Format money as the invoice does: `¥55,552.50`, `¥0`, `USD 12.00`; `—` without one."""
    return "—" if value is None else money(Decimal(str(value)), currency)


def formula_text(target: dict[str, Any], report: dict[str, Any], lang: str) -> str:
    """Return the formula that computed a target's actual, as the report states it.

    Service level follows the contract's formula (`report["sl_formula"]`); in English every
    other KPI prints the API's own formula, in Chinese its translation.
    """
    kpi = target_kpi(target["kpi"])[0]
    if target.get("source") == "submitted":
        return str(target["formula_zh"] if lang == "zh" else target["formula"])
    if kpi == "service_level":
        name = report["sl_formula"]
        return f"{word(lang, 'service_level')} = {sl_expression(name, lang)} ({name})"
    if lang == "zh" and kpi in FORMULAS_ZH:
        if target.get("qa_basis") == "handled":  # the trade's wording: per handled call
            return FORMULAS_ZH[kpi].replace("质检量", "处理量")
        return FORMULAS_ZH[kpi]
    return str(target["formula"])


def sl_lines(report: dict[str, Any], lang: str) -> list[str]:
    """Return the service-level formula in force on each queue, with its threshold T."""
    return [
        f"{queue}: {sl_expression(sl['name'], lang)} ({sl['name']}), T = {sl['threshold_s']} s"
        for queue, sl in report["sl_formulas"].items()
    ]


def score_sum(targets: list[dict[str, Any]]) -> tuple[float, float]:
    """Return (Σ points, Σ weight) over the targets with data: the score's fraction."""
    with_data = [t for t in targets if t["met"] is not None]
    return sum(t["points"] for t in with_data), sum(t["weight"] for t in with_data)


def score_text(report: dict[str, Any]) -> str:
    """Spell the score out: `100 × 80 / 100 = 80.00`; `—` when no target has data."""
    if report["score"] is None:
        return "—"
    points, weights = score_sum(report["targets"])
    return f"100 × {points:g} / {weights:g} = {report['score']:.2f}"


def band_text(report: dict[str, Any], lang: str) -> str:
    """Name the coefficient band the score falls in: `score ≥ 80 → × 1.00`."""
    band = report["band"]
    if band is None:
        return word(lang, "no_band")
    return word(lang, "band_from").format(
        min_score=f"{band['min_score']:g}", coefficient=f"{band['coefficient']:.2f}"
    )


def invoice_line(amount: dict[str, Any], lang: str) -> str:
    """Return the invoice line: the report's own in English, its unit translated in Chinese."""
    line = str(amount["line"])
    if lang == "en":
        return line
    quantity, _, rest = line.partition(f" {amount['unit']} × ")
    return f"{quantity} {word(lang, 'unit_' + amount['unit'])} × {rest}" if rest else line


def target_name(target: dict[str, Any], lang: str) -> str:
    """Name a target: a measure by the names it was declared with, a KPI by the catalogue's."""
    if "name" in target:
        return str(target["name"][lang if lang in target["name"] else "en"])
    return kpi_name(target["kpi"], lang)


def source_text(target: dict[str, Any], lang: str) -> str:
    """Say where a target's actual comes from: `measured by CallPulse`, or `submitted by the
    vendor · confirmed by the client` (awaiting confirmation, disputed, not submitted)."""
    if target.get("source") != "submitted":
        return word(lang, "source_measured")
    return (
        f"{word(lang, 'source_submitted')} · {word(lang, 'state_' + (target['state'] or 'none'))}"
    )


def daily_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the targets with daily figures: CallPulse's own. A measure is submitted per
    period, not per day, so it has no daily trend."""
    return [t for t in report["targets"] if t.get("source") != "submitted"]
