"""The scorecard as CSV and Excel, in English or Chinese: the facts, then one row per vendor.

Both come from one table (`table`), like the SLA exports: the facts say when the figures
were read and whether the period has ended (`partial_label`), which contacts count and the
common formula; each vendor row has its KPIs under its own contract and under the common
formula, score, coefficient, amount and cost per handled contact with its currency.
"""

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from app.contracts.outlook_text import partial_label
from app.core.cells import Cell, csv_bytes, local_time, print_on_page_width, xlsx_append
from app.kpi.names import kpi_name, sl_expression
from app.scorecard.service import kpi_label, kpi_unit
from app.scorecard.words import card_word

Row = list[Any]
KINDS = {"ratio": "ratio", "s": "duration", "score": "decimal"}


def _measure(value: float | None, unit: str) -> Cell:
    return Cell(value, KINDS.get(unit, "number"))


def facts(card: dict[str, Any], lang: str) -> list[Row]:
    """Return the facts a reader needs to trust the figures, as (label, value) rows."""
    zone = card["timezone"]
    common = card["common_sl_formula"]["name"]
    return [
        [card_word(lang, "scorecard"), card["period"]["label"]],
        [card_word(lang, "client"), f"{card['client_name']} ({card['client']})"],
        [card_word(lang, "period"), card["period"]["label"]],
        [card_word(lang, "timezone"), zone],
        [f"{card_word(lang, 'as_of')} ({zone})", local_time(card["as_of"])],
        [card_word(lang, "partial"), partial_label(card, lang)],
        [card_word(lang, "volume_basis"), card_word(lang, "volume_basis_text")],
        [card_word(lang, "common_sl"), f"{sl_expression(common, lang)} ({common})"],
        [card_word(lang, "sort"), f"{card['sort']['column']} {card['sort']['order']}"],
    ]


def header(card: dict[str, Any], lang: str) -> Row:
    """Return the table's header: KPIs named in `lang` with the formula they are under."""
    own, common = card_word(lang, "own_formula"), card_word(lang, "common_formula")
    return [
        card_word(lang, "contract"),
        card_word(lang, "vendor"),
        card_word(lang, "queues"),
        card_word(lang, "handled_calls"),
        card_word(lang, "handled_tickets"),
        card_word(lang, "handled"),
        *(f"{kpi_label(card, kpi, lang)} ({own})" for kpi in card["kpis"]),
        *(f"{kpi_name(kpi, lang)} ({common})" for kpi in card["common_kpis"]),
        card_word(lang, "score"),
        card_word(lang, "coefficient"),
        card_word(lang, "amount"),
        card_word(lang, "currency"),
        card_word(lang, "cost_per_contact"),
    ]


def table(card: dict[str, Any], lang: str) -> list[Row]:
    """Return the header and one row per vendor, as sorted in the card."""
    rows = [header(card, lang)]
    for r in card["rows"]:
        currency = r["currency"]
        rows.append(
            [
                r["contract"],
                r["vendor"],
                " ".join(r["queues"]),
                r["handled"]["calls"],
                r["handled"]["tickets"],
                r["handled"]["total"],
                *(_measure(r["kpis"].get(kpi), kpi_unit(card, kpi)) for kpi in card["kpis"]),
                *(
                    _measure(r["common"].get(kpi), kpi_unit(card, kpi))
                    for kpi in card["common_kpis"]
                ),
                Cell(r["score"], "decimal"),
                Cell(r["coefficient"], "decimal"),
                Cell(r["amount"], "money", currency),
                currency,
                Cell(r["cost_per_contact"], "money", currency),
            ]
        )
    return rows


def to_csv(card: dict[str, Any], lang: str = "en") -> bytes:
    """Return the scorecard as CSV (UTF-8, BOM): the facts, a blank line, the table."""
    return csv_bytes([*facts(card, lang), [], *table(card, lang)])


def to_xlsx(card: dict[str, Any], lang: str = "en") -> bytes:
    """Return the scorecard as a one-sheet workbook, headers in bold."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = card_word(lang, "sheet_scorecard")
    for row in facts(card, lang):
        xlsx_append(sheet, row)
    sheet.append([])
    for i, row in enumerate(table(card, lang)):
        xlsx_append(sheet, row)
        if i == 0:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 40
    print_on_page_width(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


EXPORTS = {
    "csv": (to_csv, "text/csv; charset=utf-8"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def render_scorecard(card: dict[str, Any], fmt: str, lang: str) -> tuple[bytes, str, str]:
    """Return the scorecard as `fmt` in `lang`: its bytes, media type and file name."""
    render, media_type = EXPORTS[fmt]
    return (
        render(card, lang),
        media_type,
        f"scorecard-{card['client']}-{card['period']['label']}.{fmt}",
    )
