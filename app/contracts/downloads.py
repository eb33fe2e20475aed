"""The SLA report as a download: CSV, Excel or PDF, each with its media type and file name."""

from collections.abc import Callable
from typing import Any

from app.contracts.exports import to_csv, to_xlsx
from app.contracts.pdf import to_pdf

EXPORTS: dict[str, tuple[Callable[[dict[str, Any], str], bytes], str]] = {
    "csv": (to_csv, "text/csv; charset=utf-8"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": (to_pdf, "application/pdf"),
}


def export_name(report: dict[str, Any], fmt: str) -> str:
    """Name an export's file: `sla-acme-2026-11.pdf`, with the contract when several apply."""
    name = f"sla-{report['client']}-{report['period']['label']}"
    if len(report["contracts"]) > 1:
        name += f"-{report['contract']}"
    return f"{name}.{fmt}"


def render_export(report: dict[str, Any], fmt: str, lang: str) -> tuple[bytes, str, str]:
    """Return the report as `fmt` in `lang`: its bytes, media type and file name."""
    render, media_type = EXPORTS[fmt]
    return render(report, lang), media_type, export_name(report, fmt)
