"""KPI display names in English and Simplified Chinese, for the pages and the exports alike.

The API names a KPI by its code (`asa_s`); people read `ASA` or `平均应答速度`. A contract
target key may carry a channel (`ticket_frt_sla.email`), named `首次响应达标率（邮件）`.
"""

from app.core.vocabulary import SL_FORMULAS

KPI_NAMES = {
    "en": {
        "service_level": "service level",
        "abandon_rate": "abandon rate",
        "answer_rate": "answer rate",
        "asa_s": "ASA",
        "aht_s": "AHT",
        "channel_email": "email",
        "channel_chat": "chat",
        "channel_web": "web",
        "channel_social": "social",
        "channel_sms": "SMS",
        "att_s": "ATT",
        "acw_s": "ACW",
        "avg_hold_s": "average hold",
        "hold_rate": "hold rate",
        "received": "received",
        "overflowed": "overflowed",
        "blocked": "blocked",
        "overflow_rate": "overflow rate",
        "transfer_rate": "transfer rate",
        "fcr_rate": "FCR",
        "csat": "CSAT",
        "occupancy": "occupancy",
        "utilization": "utilization",
        "not_ready_ratio": "not-ready ratio",
        "ticket_frt_sla": "first-response SLA",
        "ticket_resolution_sla": "resolution SLA",
        "ticket_frt_s": "mean first response",
        "alert_response_s": "alert response time",
        "qa_evaluated": "QA evaluations",
        "fatal_accuracy": "fatal error accuracy",
        "non_fatal_accuracy": "non-fatal error accuracy",
        "qa_score": "QA score",
        "monitoring_coverage": "monitoring coverage",
        "qa_evaluations_per_agent_day": "evaluations per agent-day",
        "schedule_adherence": "schedule adherence",
        "conformance": "schedule conformance",
        "callbacks_requested": "callbacks requested",
        "callback_timeliness": "callback timeliness",
        "valid_complaint_rate": "valid complaint rate",
        "forecast_accuracy": "forecast accuracy",
        "aht_forecast_accuracy": "AHT forecast accuracy",
        "staffing_forecast_accuracy": "staffing forecast accuracy",
        "schedule_forecast_accuracy": "schedule forecast accuracy",
    },
    "zh": {
        "service_level": "服务水平",
        "abandon_rate": "放弃率",
        "answer_rate": "接通率",
        "asa_s": "平均应答速度",
        "aht_s": "平均处理时长",
        "channel_email": "邮件",
        "channel_chat": "在线聊天",
        "channel_web": "网页",
        "channel_social": "社交媒体",
        "channel_sms": "短信",
        "att_s": "平均通话时长",
        "acw_s": "话后处理",
        "avg_hold_s": "平均保持时长",
        "hold_rate": "保持率",
        "received": "总呼入量",
        "overflowed": "溢出",
        "blocked": "未进队",
        "overflow_rate": "溢出率",
        "transfer_rate": "转接率",
        "fcr_rate": "一次解决率",
        "csat": "满意度",
        "occupancy": "占用率",
        "utilization": "工时利用率",
        "not_ready_ratio": "示忙率",
        "ticket_frt_sla": "首次响应达标率",
        "ticket_resolution_sla": "解决达标率",
        "ticket_frt_s": "平均首次响应时长",
        "alert_response_s": "告警响应时间",
        "qa_evaluated": "质检量",
        "fatal_accuracy": "致命错误准确率",
        "non_fatal_accuracy": "非致命错误准确率",
        "qa_score": "质检平均分",
        "monitoring_coverage": "被监听覆盖率",
        "qa_evaluations_per_agent_day": "被监听次数（人/天）",
        "schedule_adherence": "排班遵时率",
        "conformance": "排班符合度",
        "callbacks_requested": "回访请求数",
        "callback_timeliness": "回访及时率",
        "valid_complaint_rate": "有理投诉率",
        "forecast_accuracy": "话务预测准确率",
        "aht_forecast_accuracy": "平均处理时长预测准确率",
        "staffing_forecast_accuracy": "员工配备预测准确率",
        "schedule_forecast_accuracy": "排班预测准确率",
    },
}

# The formulas of the contract KPIs in Chinese; English pages print the API's own formula.
FORMULAS_ZH = {
    "asa_s": "平均应答速度 = Σ 接通呼叫等待时长 / 接通量",
    "answer_rate": "接通率 = 接通量 / 呼入量",
    "abandon_rate": "放弃率 = 放弃量 / 呼入量（均不含短放弃）",
    "aht_s": "平均处理时长 = Σ（通话 + 保持 + 话后）/ 处理量",
    "att_s": "平均通话时长 = Σ 通话时长 / 处理量",
    "acw_s": "话后处理 = Σ 话后时长 / 处理量",
    "avg_hold_s": "平均保持时长 = Σ 保持时长 / 处理量",
    "hold_rate": "保持率 = 有保持的呼叫 / 处理量",
    "overflow_rate": "溢出率 = 溢出量 / 呼入量（溢出：超时、按键退出、队列无人；不含短放弃）",
    "transfer_rate": "转接率 = 转接量 / 处理量",
    "fcr_rate": "一次解决率 = 已解决 / 已知是否解决的处理量",
    "csat": "满意度 = 参评呼叫满意度的平均值",
    "occupancy": "占用率 = （通话 + 话后）/（通话 + 话后 + 空闲）",
    "utilization": "工时利用率 = （通话 + 话后 + 空闲）/ 登录时长",
    "not_ready_ratio": "示忙率 = 示忙时长 / 登录时长",
    "ticket_frt_sla": "首次响应达标率 = 渠道时限内首次响应的工单 / 创建的工单",
    "ticket_resolution_sla": "解决达标率 = 渠道时限内解决的工单 / 创建的工单",
    "ticket_frt_s": "平均首次响应时长 = Σ 首次响应时长 / 已响应工单",
    "alert_response_s": "告警响应时间 = Σ（确认，否则恢复或周期结束 − 触发）/ 触发的告警"
    "（目标 10 分钟内）",
    "fatal_accuracy": "致命错误准确率 = 1 − Σ 致命错误数 / 质检量",
    "non_fatal_accuracy": "非致命错误准确率 = 1 − Σ 非致命错误数 / 质检量",
    "qa_score": "质检平均分 = Σ 质检得分 / 质检量",
    "monitoring_coverage": "被监听覆盖率 = 至少被质检一次的人天 / 登录人天",
    "qa_evaluations_per_agent_day": "被监听次数 = 登录人天内的质检次数 / 登录人天",
    "schedule_adherence": "排班遵时率 = 处于排班状态的时长 / 排班时长（工作班次：空闲、通话或话后；"
    "休息、用餐、培训、会议、休假：示忙或未登录）",
    "conformance": "排班符合度 = 实际工作时长 / 排班工作时长",
    "valid_complaint_rate": "有理投诉率 = 有理投诉量 / 处理量（接通并结束的呼入 + 已解决的工单）",
    "forecast_accuracy": "话务预测准确率 = 1 − Σ|实际呼入量 − 预测呼入量| / Σ 实际呼入量"
    "（有预测的已结束时段）",
    "aht_forecast_accuracy": "平均处理时长预测准确率 = 1 − Σ 处理量 × |实际 AHT − 预测 AHT|"
    " / Σ 处理量 × 实际 AHT",
    "staffing_forecast_accuracy": "员工配备预测准确率 = 1 − Σ|预测所需人数 − Erlang C 需求人数|"
    " / Σ 需求人数（需求按各时段实际话务与 AHT 计算）",
    "schedule_forecast_accuracy": "排班预测准确率 = 1 − Σ|排班在岗人数 − Erlang C 需求人数|"
    " / Σ 需求人数",
    "callback_timeliness": "回访及时率 = 在回访时限内完成的回访 / 到期的回访请求"
    "（已回访或已过时限）",
}
# The words of the SL formulas (DESIGN §7) in Chinese: `A_T / offered` → `A_T / 呼入量`.
SL_TERMS_ZH = {"offered": "呼入量", "answered": "接通量"}


def kpi_word(lang: str, key: str) -> str:
    """Return a KPI's (or channel's) name in `lang`: English when unknown, else the key."""
    return KPI_NAMES.get(lang, KPI_NAMES["en"]).get(key) or KPI_NAMES["en"].get(key, key)


def kpi_name(key: str, lang: str) -> str:
    """Name a target key: `Service level`, `首次响应达标率（邮件）` for `ticket_frt_sla.email`."""
    kpi, _, channel = key.partition(".")
    label = kpi_word(lang, kpi)
    if lang == "en":
        label = label[:1].upper() + label[1:]
    if not channel:
        return label
    channel_word = kpi_word(lang, f"channel_{channel}")
    return f"{label}（{channel_word}）" if lang == "zh" else f"{label} ({channel_word})"


def sl_expression(name: str, lang: str) -> str:
    """Return an SL formula's expression: `A_T / offered`, in Chinese `A_T / 呼入量`."""
    expression = SL_FORMULAS[name]
    if lang == "zh":
        for term, zh in SL_TERMS_ZH.items():
            expression = expression.replace(term, zh)
    return expression
