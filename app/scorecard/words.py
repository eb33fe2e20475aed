"""The scorecard's own words in English and Simplified Chinese (the rest: the SLA report's)."""

from app.contracts.words import word

SCORECARD_WORDS = {
    "en": {
        "scorecard": "Vendor scorecard",
        "handled_calls": "Calls handled",
        "handled_tickets": "Tickets resolved",
        "handled": "Contacts handled",
        "cost_per_contact": "Cost per handled contact",
        "own_formula": "contract's formula",
        "common_formula": "common formula",
        "volume_basis": "Contacts handled count",
        "volume_basis_text": "calls the vendor's feed sent on the contract's queues, handled"
        " + tickets it sent on those queues, resolved, in the period",
        "common_sl": "Common SL formula (for comparison only)",
        "sheet_scorecard": "Scorecard",
        "sort": "Sorted by",
    },
    "zh": {
        "scorecard": "供应商记分卡",
        "handled_calls": "已处理来电",
        "handled_tickets": "已解决工单",
        "handled": "已处理业务量",
        "cost_per_contact": "单次处理成本",
        "own_formula": "按合同口径",
        "common_formula": "统一口径",
        "volume_basis": "业务量口径",
        "volume_basis_text": "该供应商数据源上报的合同队列来电中已处理的来电 +"
        " 其上报的这些队列工单中本周期已解决的工单",
        "common_sl": "统一服务水平公式（仅用于横向比较）",
        "sheet_scorecard": "记分卡",
        "sort": "排序",
    },
}


def card_word(lang: str, key: str) -> str:
    """Return a scorecard word in `lang`, else the SLA report's word (KPI names included)."""
    return SCORECARD_WORDS.get(lang, SCORECARD_WORDS["en"]).get(key) or word(lang, key)
