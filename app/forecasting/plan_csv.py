"""The plan as CSV: one line per interval, headers in English and 中文."""

from collections.abc import Iterator
from typing import Any

from app.kpi.series_csv import csv_lines

PLAN_FORMATS = (None, "json", "csv")
PLAN_COLUMNS = {
    "start": "interval start 时段开始",
    "end": "interval end 时段结束",
    "source": "forecast source 预测来源",
    "offered": "forecast offered 预测呼入量",
    "aht_s": "forecast AHT (s) 预测平均处理时长(秒)",
    "required_agents": "required agents (Erlang C) 所需坐席数",
    "scheduled_agents": "scheduled agents 排班坐席数",
    "staffing_gap": "scheduled − required 排班差额",
}


def plan_csv(plan: dict[str, Any]) -> Iterator[str]:
    """Yield the plan's intervals as CSV lines (BOM first, for Excel); the time columns'
    headers name the client's timezone."""
    headers = {
        name: f"{title} ({plan['timezone']})" if name in ("start", "end") else title
        for name, title in PLAN_COLUMNS.items()
    }
    rows = (
        {headers[name]: value for name, value in interval.items()} for interval in plan["intervals"]
    )
    return csv_lines(list(headers.values()), rows)


def plan_csv_name(plan: dict[str, Any]) -> str:
    """Return the plan's CSV file name: `plan-<queue>-<date>.csv`."""
    return f"plan-{plan['queue']}-{plan['date']}.csv"
