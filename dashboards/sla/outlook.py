"""The SLA page's outlook block: whether the period has ended (as of when, in the client's
timezone), how the amount's terms scale with a short period, and the projected month end
with the money between bands ("5.00 points short of band 1.00: ¥1,215 at stake").

The sentences are `app.contracts.outlook_text`'s, the same as in the PDF, Excel and CSV.
"""

from typing import Any

from dash import html

from app.contracts.outlook_text import partial_label, projection_lines, proration_lines, text
from app.contracts.words import word


def outlook_block(report: dict[str, Any], lang: str) -> html.Div:
    """The partial-period banner, the proration rule and the projection warning."""
    css = "outlook partial" if report["partial"] else "outlook ended"
    children: list[Any] = [
        html.P(
            f"{word(lang, 'partial')}: {partial_label(report, lang)}",
            id="partial-label",
            className="partial-label",
        ),
        html.P(
            f"{text(lang, 'proration')}: " + "; ".join(proration_lines(report, lang)),
            id="proration",
            className="legend",
        ),
    ]
    projection = projection_lines(report, lang)
    if projection:
        *lines, basis = projection
        children.append(
            html.Div(
                [
                    html.H3(text(lang, "projection")),
                    html.Ul([html.Li(line) for line in lines], id="projection-lines"),
                    html.P(basis, className="legend"),
                ],
                id="projection",
                className="projection warning" if _at_stake(report) else "projection",
            )
        )
    return html.Div(children, id="outlook", className=css)


def _at_stake(report: dict[str, Any]) -> bool:
    """Tell whether the projection leaves money on the table: a band above it."""
    projection = report.get("projection") or {}
    return bool(projection.get("next_band"))
