"""The partial-period label, the proration rule and the projection as sentences, en and zh.

One wording for the /sla page, the PDF, the Excel file and the CSV: a report of a period
that has not ended says so with its as-of time in the client's timezone; a report shorter
than a month says which terms were prorated and which are charged per report period; an
open period's projection says the month-end amount and what the next band is worth.
"""

from typing import Any

from app.contracts.text import money_text
from app.kpi.names import kpi_name

WORDS = {
    "en": {
        "partial_label": "yes: as of {as_of} ({zone}) the period has not ended;"
        " the figures will still change",
        "ended_label": "no: the period has ended; figures as of {as_of} ({zone})",
        "proration": "Proration",
        "quantity_prorated": "seats prorated by day: {months} of a month",
        "quantity_counted": "quantity counted over the period ({months} of a month)",
        "per_period": "bonus and penalties are per report period as the contract states them,"
        " not prorated: this {kind} carries a missed target's full penalty",
        "whole_month": "whole month: nothing prorated",
        "projection": "Projected month end",
        "projection_line": "Projected at period end: score {score}, × {coefficient},"
        " {quantity} {unit}, {amount}",
        "next_band": "{points} points short of band {coefficient}: {stake} at stake",
        "closes_gap": "meeting any one of these closes the gap: {kpis}",
        "band_floor": "{margin} points above the floor of band {coefficient};"
        " falling below costs {risk}",
        "top_band": "in the top band",
        "projection_basis": "Basis",
        "no_projection": "no projection: the period has ended, is a day, or has no whole day yet",
        "month": "month",
        "week": "week",
        "day": "day",
    },
    "zh": {
        "partial_label": "是：截至 {as_of}（{zone}）本考核周期尚未结束，数据仍会变化",
        "ended_label": "否：考核周期已结束，数据截至 {as_of}（{zone}）",
        "proration": "按天折算",
        "quantity_prorated": "座席数按天折算：{months} 个月",
        "quantity_counted": "计费数量按本周期实际统计（{months} 个月）",
        "per_period": "奖励与扣罚按合同约定以每个报告周期计，不按天折算：本{kind}未达标指标"
        "仍扣全额",
        "whole_month": "整月：无折算",
        "projection": "月末预测",
        "projection_line": "预计周期末：得分 {score}，系数 × {coefficient}，{quantity} {unit}，"
        "结算金额 {amount}",
        "next_band": "差 {points} 分达到系数 {coefficient} 档：{stake} 待定",
        "closes_gap": "以下任一指标达标即可补足差距：{kpis}",
        "band_floor": "高出系数 {coefficient} 档下限 {margin} 分；跌出该档将少结算 {risk}",
        "top_band": "已在最高档",
        "projection_basis": "预测依据",
        "no_projection": "无预测：周期已结束、为单日，或尚无完整的一天",
        "month": "月",
        "week": "周",
        "day": "日",
    },
}
BASIS_ZH = (
    "各项 KPI 保持本周期至今的数值；自今日起，每天的业务量按已结束各天中同一星期几的平均值计"
    "（该星期几尚无记录时取全部已结束天的平均值），当天已处理量更大时取已处理量；座席数不预测"
)


def text(lang: str, key: str, **values: Any) -> str:
    """Return a sentence in `lang` (English when unknown) with its values filled in."""
    return WORDS.get(lang, WORDS["en"])[key].format(**values)


def _local(moment: str) -> str:
    return moment[:16].replace("T", " ")


def partial_label(report: dict[str, Any], lang: str) -> str:
    """Say whether the period has ended, with the as-of time in the client's timezone."""
    key = "partial_label" if report["partial"] else "ended_label"
    return text(lang, key, as_of=_local(report["as_of"]), zone=report["timezone"])


def proration_lines(report: dict[str, Any], lang: str) -> list[str]:
    """Say how the amount's terms scale with this period's length."""
    rule = report["amount"].get("proration")
    if rule is None:
        return []
    if rule["whole_month"]:
        return [text(lang, "whole_month")]
    months = f"{rule['period_months']:g}"
    kind = text(lang, report["period"]["kind"])
    return [
        text(lang, f"quantity_{rule['quantity']}", months=months),
        text(lang, "per_period", kind=kind),
    ]


def projection_lines(report: dict[str, Any], lang: str) -> list[str]:
    """Say the projected period end and the money between the bands around it."""
    p = report.get("projection")
    if not p:
        return [text(lang, "no_projection")] if report["partial"] else []
    currency = p["currency"]
    lines = [
        text(
            lang,
            "projection_line",
            score="—" if p["score"] is None else f"{p['score']:.2f}",
            coefficient=f"{p['coefficient']:.2f}",
            quantity=f"{p['quantity']:,}",
            unit=p["unit"],
            amount=money_text(p["amount"], currency),
        )
    ]
    up = p["next_band"]
    if up:
        lines.append(
            text(
                lang,
                "next_band",
                points=f"{up['points_short']:.2f}",
                coefficient=f"{up['coefficient']:.2f}",
                stake=money_text(up["at_stake"], currency),
            )
        )
        if up["closes_gap"]:
            names = ", ".join(kpi_name(kpi, lang) for kpi in up["closes_gap"])
            lines.append(text(lang, "closes_gap", kpis=names))
    elif p["score"] is not None:
        lines.append(text(lang, "top_band"))
    floor = p["band_floor"]
    if floor:
        lines.append(
            text(
                lang,
                "band_floor",
                margin=f"{floor['margin_points']:.2f}",
                coefficient=f"{report['projection']['coefficient']:.2f}",
                risk=money_text(floor["at_risk"], currency),
            )
        )
    basis = BASIS_ZH if lang == "zh" else p["basis"]
    lines.append(f"{text(lang, 'projection_basis')}: {basis}")
    return lines
