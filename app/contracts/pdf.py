"""The SLA report as a PDF for the monthly review (fpdf2, pure Python), in English or Chinese.

Text is set in WenQuanYi Micro Hei, shipped by the `paperang-p2-fonts-cjk` wheel (5 MB, a
TrueType collection with Latin, CJK and the signs ≥ − ¥ €): it installs with pip, so a
fresh machine needs no system font, and fpdf2 embeds only the glyphs used. TrueType rather
than an OpenType/CFF font (Noto Sans CJK) because its text extracts cleanly (copy, search,
pypdf), where fpdf2's CFF embedding spaced every character apart.

Page 1: the facts (as of, partial period, contract and formulas in force), the compliance
table, score and invoice. Then one chart per target: its daily values against its bounds,
drawn with the PDF's own lines.
"""

from importlib.resources import files
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from app.contracts.exports import FEED_COLUMNS, period_days, reasons_text
from app.contracts.outlook_text import partial_label, projection_lines, proration_lines
from app.contracts.settled_text import close_line, restatement_line
from app.contracts.text import (
    band_text,
    daily_targets,
    formula_text,
    invoice_line,
    money_text,
    score_text,
    source_text,
    target_name,
)
from app.contracts.words import word
from app.core.formats import mmss, target_text, value_text
from app.kpi.names import kpi_name, sl_expression

FONT = files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
FAMILY = "wqy"
WIDTH = 180.0  # mm between the margins of an A4 page
CHART_W, CHART_H, CHART_GAP, CHARTS_PER_PAGE = 86.0, 44.0, 8.0, 8
VERDICTS = {True: "met_yes", False: "met_no", None: "met_none"}
BLUE, VERMILION, GREY = (0, 114, 178), (213, 94, 0), (120, 120, 120)  # colour-blind safe


def to_pdf(report: dict[str, Any], lang: str = "en") -> bytes:
    """Return the report as a PDF: facts, compliance table, invoice, a chart per target."""
    pdf = FPDF(format="A4")
    pdf.add_font(FAMILY, "", str(FONT), collection_font_number=0)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(f"{word(lang, 'sla_title')} {report['client']} {report['period']['label']}")
    pdf.add_page()
    _header(pdf, report, lang)
    _compliance(pdf, report, lang)
    _invoice(pdf, report, lang)
    _exclusions(pdf, report, lang)
    _feed_quality(pdf, report, lang)
    _charts(pdf, report, lang)
    return bytes(pdf.output())


def _line(pdf: FPDF, text: str, size: float = 10) -> None:
    pdf.set_font(FAMILY, "", size)
    pdf.multi_cell(WIDTH, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")


def _header(pdf: FPDF, report: dict[str, Any], lang: str) -> None:
    first, last = period_days(report["period"])
    zone = report["timezone"]
    partial = partial_label(report, lang)
    _line(pdf, f"{word(lang, 'sla_title')} · {report['client_name']} ({report['client']})", 16)
    facts = [
        ("vendor", report["vendor"]),
        ("contract", f"{report['contract']} ({report['valid_from']} – {report['valid_to']})"),
        ("contract_updated", f"{report['contract_updated_at'][:19].replace('T', ' ')} {zone}"),
        ("queues", ", ".join(report["queues"])),
        ("period", f"{report['period']['label']}: {first} – {last}, {zone}"),
        ("as_of", f"{report['as_of'][:19].replace('T', ' ')} {zone}"),
        ("partial", partial),
        ("close_state", close_line(report, lang)),
        ("kpi_definitions", report["kpi_definitions"]),
    ]
    for key, value in facts:
        _line(pdf, f"{word(lang, key)}: {value}")
    if restated := restatement_line(report, lang):
        _line(pdf, restated)
    for queue, sl in report["sl_formulas"].items():
        expression = sl_expression(sl["name"], lang)
        _line(
            pdf,
            f"{word(lang, 'sl_in_force')} {queue}: {expression} ({sl['name']}),"
            f" T = {sl['threshold_s']} s",
        )
    pdf.ln(3)


def _compliance(pdf: FPDF, report: dict[str, Any], lang: str) -> None:
    _line(pdf, word(lang, "compliance"), 12)
    pdf.set_font(FAMILY, "", 8.5)
    currency = report["amount"]["currency"]
    keys = ("kpi", "target_col", "actual", "met", "weight", "points", "penalty")
    heading = FontFace(emphasis=None, fill_color=(230, 230, 230))
    with pdf.table(
        col_widths=(44, 36, 24, 18, 16, 16, 26), text_align="LEFT", headings_style=heading
    ) as table:
        table.row([word(lang, key) for key in keys])
        for t in report["targets"]:
            table.row(
                [
                    f"{target_name(t, lang)}\n{source_text(t, lang)}",
                    target_text(t["target"], t["unit"]),
                    value_text(t["actual"], t["unit"]),
                    word(lang, VERDICTS[t["met"]]),
                    f"{t['weight']:g}",
                    "—" if t["points"] is None else f"{t['points']:g}",
                    money_text(t["penalty"], currency),
                ]
            )
    pdf.ln(1)
    for t in report["targets"]:
        _line(pdf, f"{target_name(t, lang)}: {formula_text(t, report, lang)}", 7.5)
    pdf.ln(2)


def _invoice(pdf: FPDF, report: dict[str, Any], lang: str) -> None:
    amount, alerts = report["amount"], report["alerts"]
    _line(pdf, word(lang, "settlement"), 12)
    _line(
        pdf,
        f"{word(lang, 'score')} {score_text(report)} · {band_text(report, lang)} ·"
        f" {word(lang, 'coefficient')} {report['coefficient']:.2f}",
        11,
    )
    _line(pdf, word(lang, "amount_formula"))
    _line(pdf, f"{word(lang, 'basis')}: {word(lang, 'basis_' + amount['model'])}", 9)
    _line(pdf, invoice_line(amount, lang), 12)
    for line in proration_lines(report, lang) + projection_lines(report, lang):
        _line(pdf, line, 9)
    _line(pdf, f"{word(lang, 'amount')}: {money_text(amount['total'], amount['currency'])}")
    response = value_text(alerts["response_s"], "s")
    _line(
        pdf,
        f"{word(lang, 'alert_times')}: {word(lang, 'alerts_opened')} {alerts['opened']},"
        f" {word(lang, 'acknowledged')} {alerts['acknowledged']},"
        f" {word(lang, 'not_acked')} {alerts['unacknowledged']},"
        f" {word(lang, 'mean_response')} {response}",
    )
    _unacknowledged(pdf, report, lang)


def _exclusions(pdf: FPDF, report: dict[str, Any], lang: str) -> None:
    """Print both figures where exclusions changed them, and the agreed exclusions."""
    _line(pdf, word(lang, "exclusions"), 12)
    if not report["exclusions"]:
        _line(pdf, word(lang, "no_exclusions"), 9)
        pdf.ln(2)
        return
    currency, measured = report["amount"]["currency"], report["measured"]
    for t in report["targets"]:
        if t["excluded"]:
            _line(
                pdf,
                f"{target_name(t, lang)}: {word(lang, 'actual_measured')}"
                f" {value_text(t['actual_measured'], t['unit'])} →"
                f" {word(lang, 'actual_scored')} {value_text(t['actual'], t['unit'])}",
                9,
            )
    _line(
        pdf,
        f"{word(lang, 'measured_score')} {measured['score']} ·"
        f" {word(lang, 'measured_coefficient')} {measured['coefficient']} ·"
        f" {word(lang, 'measured_amount')} {money_text(measured['amount_total'], currency)}",
        9,
    )
    for e in report["exclusions"]:
        what = word(lang, "kpi_all") if e["kpi"] == "all" else kpi_name(e["kpi"], lang)
        window = f" {_wall_time(e['from'])} – {_wall_time(e['to'])}" if e["from"] else ""
        calls = f" {word(lang, 'call_ids')}: {' '.join(e['call_ids'])}" if e["call_ids"] else ""
        _line(
            pdf,
            f"{word(lang, 'dispute')} #{e['dispute']} · {what} ·"
            f" {word(lang, 'reason_' + e['reason'])} ·{window}{calls} ·"
            f" {word(lang, 'calls_excluded')} {e['calls']} · {word(lang, 'agreed_by')}"
            f" {e['agreed_by']} {_wall_time(e['agreed_at'])}",
            8.5,
        )
    pdf.ln(2)


def _unacknowledged(pdf: FPDF, report: dict[str, Any], lang: str) -> None:
    """List the alerts never acknowledged (missed): queue, rule, opened, resolved, how long."""
    missed = report["unacknowledged_alerts"]
    if not missed:
        return
    pdf.ln(1)
    title = f"{word(lang, 'unacked_alerts')} ({report['alerts']['unacknowledged']})"
    _line(pdf, f"{title} · {word(lang, 'timezone')} {report['timezone']}", 9)
    pdf.set_font(FAMILY, "", 8.5)
    keys = ("queue", "rule", "opened_at", "resolved_at", "unacked_for")
    heading = FontFace(emphasis=None, fill_color=(230, 230, 230))
    with pdf.table(
        col_widths=(36, 50, 34, 34, 26), text_align="LEFT", headings_style=heading
    ) as table:
        table.row([word(lang, key) for key in keys])
        for alert in missed:
            resolved = alert["resolved_at"]
            table.row(
                [
                    alert["queue"],
                    alert["rule"],
                    _wall_time(alert["opened_at"]),
                    _wall_time(resolved) if resolved else word(lang, "still_open"),
                    mmss(alert["unacknowledged_s"]),
                ]
            )


def _feed_quality(pdf: FPDF, report: dict[str, Any], lang: str) -> None:
    """The period's feed quality per vendor: counts, lateness, unended calls, silence."""
    pdf.ln(2)
    _line(pdf, word(lang, "feed_quality"), 12)
    pdf.set_font(FAMILY, "", 8)
    heading = FontFace(emphasis=None, fill_color=(230, 230, 230))
    with pdf.table(text_align="LEFT", headings_style=heading) as table:
        table.row([word(lang, label) for label, _, _ in FEED_COLUMNS])
        for feed in report["feed_quality"]:
            table.row(
                [
                    str(feed[key]) if kind != "duration" else value_text(feed[key], "s")
                    for _, key, kind in FEED_COLUMNS
                ]
            )
    for feed in report["feed_quality"]:
        reasons = reasons_text(feed["rejected_by_reason"], lang)
        _line(pdf, f"{feed['vendor']} · {word(lang, 'rejected_by_reason')}: {reasons}", 8)
    _line(pdf, word(lang, "lateness_resolution"), 7.5)


def _wall_time(moment: str) -> str:
    """Return an ISO time in the client's timezone as its wall time: `2026-11-10 10:00`."""
    return moment[:16].replace("T", " ")


def _charts(pdf: FPDF, report: dict[str, Any], lang: str) -> None:
    """Draw one chart per target, two per row and eight per page, after the first page."""
    top = 0.0
    for i, target in enumerate(daily_targets(report)):
        slot = i % CHARTS_PER_PAGE
        if slot == 0:
            pdf.add_page()
            if i == 0:
                _line(pdf, word(lang, "trends"), 12)
                _line(pdf, word(lang, "chart_legend"), 8)
            top = pdf.get_y() + 2
        x = pdf.l_margin + (slot % 2) * (CHART_W + CHART_GAP)
        _chart(pdf, report, target, lang, x, top + (slot // 2) * (CHART_H + 16))


def _chart(
    pdf: FPDF, report: dict[str, Any], target: dict[str, Any], lang: str, x: float, y: float
) -> None:
    """Draw a target's daily values against its bounds in the box at (x, y)."""
    key, unit = target["kpi"], target["unit"]
    values = [day[key] for day in report["daily"]]
    bounds = [b for b in (target["target"]["min"], target["target"]["max"]) if b is not None]
    known = [v for v in values if v is not None] + bounds
    top = 1.0 if unit == "ratio" else max(known, default=0.0) * 1.1 or 1.0
    pdf.set_font(FAMILY, "", 9)
    pdf.text(x, y + 3, word(lang, "trend_of").format(kpi=target_name(target, lang)))
    x0, y0, w, h = x + 10, y + 6, CHART_W - 10, CHART_H
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.2)
    pdf.rect(x0, y0, w, h)
    pdf.set_font(FAMILY, "", 6.5)
    for fraction in (0, 0.5, 1):
        pdf.text(x, y0 + h - fraction * h + 1, _axis_label(top * fraction, unit))
    step = w / max(len(values), 1)

    def point(i: int, v: float) -> tuple[float, float]:
        return x0 + step * (i + 0.5), y0 + h - min(v / top, 1.0) * h

    pdf.set_draw_color(*VERMILION)
    pdf.set_dash_pattern(dash=1.5, gap=1)
    for bound in bounds:
        pdf.line(x0, point(0, bound)[1], x0 + w, point(0, bound)[1])
    pdf.set_dash_pattern()
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(0.5)
    run: list[tuple[float, float]] = []
    for i, v in enumerate([*values, None]):
        if v is not None:
            run.append(point(i, v))
            continue
        if len(run) > 1:
            pdf.polyline(run)
        elif run:
            pdf.circle(x=run[0][0], y=run[0][1], radius=0.5)
        run = []
    if not any(v is not None for v in values):
        pdf.text(x0 + 2, y0 + h / 2, word(lang, "no_daily_data"))
    for i, day in enumerate(report["daily"]):
        if i % max(1, len(values) // 6) == 0:
            pdf.text(x0 + step * (i + 0.5) - 3, y0 + h + 3.5, day["date"][5:])


def _axis_label(value: float, unit: str) -> str:
    """Label a y-axis tick: `50 %`, `01:30` for durations, else the number."""
    if unit == "ratio":
        return f"{value * 100:.0f} %"
    if unit == "s":
        return value_text(value, "s")
    return f"{value:.0f}"
