"""Numbers as people read them, shared by the pages and the SLA exports.

Ratios are fractions shown in % (0.01 for targets and actuals), durations seconds (under a
minute to 0.1 s, else mm:ss). The PDF spells the non-Latin-1 signs (≥, —) in ASCII itself.
"""


def mmss(seconds: float | None) -> str:
    """Render seconds as mm:ss, or h:mm:ss from an hour on (`1:55:58`, never `115:58`)."""
    if seconds is None:
        return "--:--"
    hours, rest = divmod(round(seconds), 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60:02d}:{rest % 60:02d}"


def value_text(value: float | None, unit: str) -> str:
    """Format a KPI value: `80.00 %`, `13.3 s`, `04:48` (a minute or more), `90.00`; or `—`."""
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{value * 100:.2f} %"
    if unit == "s":
        return f"{value:.1f} s" if value < 60 else mmss(value)
    if unit == "hours":  # a measure's (app.measures)
        return f"{value:.2f} h"
    if unit == "count":
        return f"{value:g}"
    return f"{value:.2f}"


def target_text(target: dict[str, float | None], unit: str) -> str:
    """Format a target: `≥ 80.00 %`, `≤ 20.0 s` or a range `03:00 – 05:00`."""
    low, high = target.get("min"), target.get("max")
    if low is not None and high is not None:
        return f"{value_text(low, unit)} – {value_text(high, unit)}"
    if low is not None:
        return f"≥ {value_text(low, unit)}"
    return f"≤ {value_text(high, unit)}"
