"""The SLA report as a one-page PDF for the monthly review (fpdf2, pure Python).

English labels in a core PDF font (Helvetica), so nothing depends on the fonts a machine
has: a character the font lacks becomes its ASCII spelling (`−` → `-`, `≥` → `>=`, `€` →
`EUR `) or `?`, and a client name it cannot spell is replaced by the client's code. The chart
is drawn with the PDF's own lines: the daily values of one target against its bounds.
"""

from typing import Any

from fpdf import FPDF

from app.core.formats import mmss, target_text, value_text

SPELLINGS = {"−": "-", "–": "-", "—": "-", "≥": ">=", "≤": "<=", "€": "EUR ", "…": "..."}
WIDTH = 180.0  # mm between the margins of an A4 page
CHART_H = 55.0


def latin(text: str) -> str:
    """Return `text` in the core font's Latin-1, with ASCII spellings for what it lacks."""
    for char, spelling in SPELLINGS.items():
        text = text.replace(char, spelling)
    return text.encode("latin-1", "replace").decode("latin-1")


def to_pdf(report: dict[str, Any]) -> bytes:
    """Return the report as a PDF: header, SL formula, compliance table, invoice, chart."""
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _header(pdf, report)
    _compliance(pdf, report)
    _invoice(pdf, report)
    _chart(pdf, report)
    return bytes(pdf.output())


def _line(pdf: FPDF, text: str, size: float = 10, style: str = "") -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(WIDTH, size * 0.5, latin(text), new_x="LMARGIN", new_y="NEXT")


def _header(pdf: FPDF, report: dict[str, Any]) -> None:
    name = report["client_name"]
    if latin(name) != name:
        name = report["client"]
    period = report["period"]
    _line(pdf, f"SLA report - {name} ({report['client']})", 16, "B")
    _line(pdf, f"Contract {report['contract']}, vendor {report['vendor']}")
    _line(pdf, f"Queues: {', '.join(report['queues'])}")
    _line(
        pdf,
        f"Period {period['label']} ({period['kind']}): {period['start'][:10]} to"
        f" {period['end'][:10]} (end exclusive), timezone {report['timezone']}",
    )
    for queue, sl in report["sl_formulas"].items():
        _line(
            pdf,
            f"Service level in force on {queue}: {sl['formula']} ({sl['name']}),"
            f" T = {sl['threshold_s']} s",
        )
    pdf.ln(3)


def _compliance(pdf: FPDF, report: dict[str, Any]) -> None:
    _line(pdf, "Compliance", 12, "B")
    pdf.set_font("Helvetica", "", 9)
    headings = ("KPI", "Target", "Actual", "Met", "Weight", "Points", "Penalty")
    with pdf.table(col_widths=(46, 36, 26, 14, 18, 18, 22), text_align="LEFT") as table:
        table.row(headings)
        for t in report["targets"]:
            met = {True: "yes", False: "no", None: "no data"}[t["met"]]
            table.row(
                [
                    t["kpi"],
                    latin(target_text(t["target"], t["unit"])),
                    latin(value_text(t["actual"], t["unit"])),
                    met,
                    f"{t['weight']:g}",
                    "-" if t["points"] is None else f"{t['points']:g}",
                    "-" if t["penalty"] is None else f"{t['penalty']:.2f}",
                ]
            )
    pdf.ln(2)


def _invoice(pdf: FPDF, report: dict[str, Any]) -> None:
    band, amount = report["band"], report["amount"]
    score = "no data" if report["score"] is None else f"{report['score']:.2f}"
    band_text = "no band" if band is None else f"band from {band['min_score']:g}"
    _line(
        pdf,
        f"Score {score} ({band_text}), KPI coefficient {report['coefficient']:.2f}",
        11,
        "B",
    )
    _line(pdf, f"Amount = {amount['formula']}")
    _line(pdf, f"Quantity: {amount['basis']}", 9)
    _line(pdf, amount["line"], 12, "B")
    _line(pdf, f"Total {amount['total']:.2f} {amount['currency']}")
    alerts = report["alerts"]
    response = latin(value_text(alerts["response_s"], "s"))
    _line(
        pdf,
        f"Alerts: {alerts['opened']} opened, {alerts['acknowledged']} acknowledged,"
        f" mean response {response}",
    )
    for alert in report["unacknowledged_alerts"]:
        opened = alert["opened_at"]
        _line(
            pdf,
            latin(
                f"Never acknowledged (missed): {alert['queue']}, {alert['rule']}, opened"
                f" {opened[:10]} {opened[11:16]}, {mmss(alert['unacknowledged_s'])}"
            ),
            9,
        )
    pdf.ln(3)


def _charted(report: dict[str, Any]) -> dict[str, Any] | None:
    """Return the target to chart: service level if the contract has it, else the first."""
    targets = report["targets"]
    chosen = [t for t in targets if t["kpi"] == "service_level"] or targets[:1]
    return chosen[0] if chosen else None


def _chart(pdf: FPDF, report: dict[str, Any]) -> None:
    target = _charted(report)
    if target is None or not report["daily"]:
        return
    key, unit = target["kpi"], target["unit"]
    values = [day[key] for day in report["daily"]]
    bounds = [b for b in (target["target"]["min"], target["target"]["max"]) if b is not None]
    known = [v for v in values if v is not None] + bounds
    top = 1.0 if unit == "ratio" else max(known, default=0.0) * 1.1 or 1.0
    _line(pdf, f"Daily {key} against its target", 12, "B")
    if pdf.get_y() + CHART_H + 12 > pdf.h - pdf.b_margin:
        pdf.add_page()
    x0, y0, w, h = pdf.l_margin + 12, pdf.get_y() + 2, WIDTH - 14, CHART_H
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)
    pdf.rect(x0, y0, w, h)
    pdf.set_font("Helvetica", "", 7)
    for fraction in (0, 0.5, 1):
        label = f"{fraction * 100:.0f} %" if unit == "ratio" else f"{top * fraction:.0f}"
        pdf.text(pdf.l_margin, y0 + h - fraction * h + 1, label)
    step = w / len(values)

    def point(i: int, v: float) -> tuple[float, float]:
        return x0 + step * (i + 0.5), y0 + h - min(v / top, 1.0) * h

    pdf.set_draw_color(213, 94, 0)  # vermilion: the target (colour-blind safe with blue)
    pdf.set_dash_pattern(dash=1.5, gap=1)
    for bound in bounds:
        pdf.line(x0, point(0, bound)[1], x0 + w, point(0, bound)[1])
    pdf.set_dash_pattern()
    pdf.set_draw_color(0, 114, 178)  # blue: the daily values
    pdf.set_line_width(0.6)
    run: list[tuple[float, float]] = []
    for i, v in enumerate([*values, None]):
        if v is not None:
            run.append(point(i, v))
            continue
        if len(run) > 1:
            pdf.polyline(run)
        elif run:
            pdf.circle(x=run[0][0], y=run[0][1], radius=0.6)
        run = []
    for i, day in enumerate(report["daily"]):
        if i % max(1, len(values) // 10) == 0:
            pdf.text(x0 + step * i, y0 + h + 4, day["date"][5:])
    pdf.set_y(y0 + h + 6)
    _line(pdf, "Blue: daily value. Dashed vermilion: target bound. Days without data are gaps.", 8)
