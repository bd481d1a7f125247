"""The lines of the 企业会计准则 general-enterprise statements (一般企业财务报表格式).

Which account goes to which line of the balance sheet (资产负债表) and income
statement (利润表) is decided here by the account's code prefix and kind, never
account by account: an account added to the chart later (合同负债, 应交税费, ...)
falls on its line, or on its section's catch-all line, without a change here.
Prefixes are matched longest first. The balance sheet shows receivables net of
the allowance (应收账款 = 1122 - 1231) and the result not yet closed in
未分配利润, so assets = liabilities + equity in every column.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.finance.accounts import CHART, Kind


@dataclass(frozen=True)
class StatementLine:
    key: str
    name: str
    name_zh: str
    prefixes: tuple[str, ...] = ()


# ---- balance sheet (资产负债表) ---------------------------------------------------

ASSET_LINES = (
    StatementLine("cash", "Cash and cash equivalents", "货币资金", ("1001", "1002", "1012")),
    StatementLine("receivables", "Accounts receivable", "应收账款", ("1122", "1231")),
    StatementLine("prepayments", "Prepayments", "预付款项", ("1123",)),
    StatementLine("other_receivables", "Other receivables", "其他应收款", ("1221",)),
    StatementLine("inventories", "Inventories", "存货", ("14",)),
    StatementLine("fixed_assets", "Fixed assets", "固定资产", ("1601", "1602")),
    StatementLine("other_assets", "Other assets", "其他资产"),
)
LIABILITY_LINES = (
    StatementLine("payables", "Accounts payable", "应付账款", ("2202",)),
    StatementLine("advances", "Advances from customers", "预收款项", ("2203",)),
    StatementLine("contract_liabilities", "Contract liabilities", "合同负债", ("2204", "2205")),
    StatementLine("payroll", "Employee benefits payable", "应付职工薪酬", ("2211",)),
    StatementLine("taxes", "Taxes payable", "应交税费", ("2221",)),
    StatementLine("other_payables", "Other payables", "其他应付款", ("2231", "2232", "2241")),
    StatementLine("other_liabilities", "Other liabilities", "其他负债"),
)
EQUITY_LINES = (
    StatementLine("capital", "Paid-in capital", "实收资本", ("4001",)),
    StatementLine("capital_reserve", "Capital reserve", "资本公积", ("4002",)),
    StatementLine("surplus_reserve", "Surplus reserve", "盈余公积", ("4101",)),
    # 4103 and 4104 with the result not yet closed (revenue and expense accounts).
    StatementLine("retained_earnings", "Undistributed profit", "未分配利润", ("4103", "4104")),
    StatementLine("other_equity", "Other equity", "其他权益"),
)
BALANCE_SHEET_SECTIONS = {
    "assets": ("Total assets", "资产总计", ASSET_LINES),
    "liabilities": ("Total liabilities", "负债合计", LIABILITY_LINES),
    "equity": ("Total owners' equity", "所有者权益合计", EQUITY_LINES),
}

# ---- income statement (利润表) -----------------------------------------------------

# sign +1 adds to the operating profit (revenue), -1 deducts (costs, losses).
INCOME_LINES = (
    StatementLine("revenue", "Operating revenue", "一、营业收入", ("60", "61")),
    StatementLine("cost", "Cost of sales", "营业成本", ("6401", "6402")),
    StatementLine("taxes", "Taxes and surcharges", "税金及附加", ("6403",)),
    StatementLine("selling", "Selling expenses", "销售费用", ("6601",)),
    StatementLine("admin", "Administrative expenses", "管理费用", ("6602",)),
    StatementLine("finance", "Finance costs", "财务费用", ("6603",)),
    StatementLine("credit_impairment", "Credit impairment losses", "信用减值损失", ("6702",)),
    StatementLine("asset_impairment", "Asset impairment losses", "资产减值损失", ("6701",)),
    StatementLine("non_operating_income", "Non-operating income", "营业外收入", ("6301",)),
    StatementLine("non_operating_expense", "Non-operating expenses", "营业外支出", ("6711",)),
    StatementLine("income_tax", "Income tax expense", "所得税费用", ("6801",)),
)
OPERATING = ("revenue", "cost", "taxes", "selling", "admin", "finance", "credit_impairment",
             "asset_impairment")  # fmt: skip
SUBTOTALS = {
    "operating_profit": ("Operating profit", "二、营业利润"),
    "total_profit": ("Total profit", "三、利润总额"),
    "net_profit": ("Net profit", "四、净利润"),
}


def _by_prefix(code: str, lines: tuple[StatementLine, ...]) -> StatementLine | None:
    best: tuple[int, StatementLine] | None = None
    for line in lines:
        for prefix in line.prefixes:
            if code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), line)
    return None if best is None else best[1]


def balance_sheet_line(code: str) -> tuple[str, StatementLine] | None:
    """(section, line) of an account in the balance sheet; None for revenue and
    expense (their balance not yet closed goes to 未分配利润)."""
    kind = CHART[code].kind if code in CHART else Kind.ASSET
    section = {Kind.ASSET: "assets", Kind.LIABILITY: "liabilities", Kind.EQUITY: "equity"}.get(kind)
    if section is None:
        return None
    lines = BALANCE_SHEET_SECTIONS[section][2]
    return section, _by_prefix(code, lines) or lines[-1]


def income_line(code: str) -> StatementLine | None:
    """The income statement's line of a revenue or expense account (None for others):
    revenue falls on 营业收入, an expense with no line of its own on 管理费用."""
    kind = CHART[code].kind if code in CHART else None
    if kind not in (Kind.REVENUE, Kind.EXPENSE):
        return None
    found = _by_prefix(code, INCOME_LINES)
    if found is not None:
        return found
    return INCOME_LINES[0] if kind is Kind.REVENUE else INCOME_LINES[4]
