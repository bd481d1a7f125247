"""The words of the statement exports in Chinese (the default) and English.

One table, English -> Chinese, of every title, header and fixed line name the
exports print (``reports.py``, ``cas_reports.py``); account names come from
the chart (``name`` / ``name_zh``). A word missing here prints in English.
"""

from __future__ import annotations

from interfaces.http.language import ZH, Lang

__all__ = ["TITLES", "WORDS", "ZH", "Lang", "label", "report_titles"]

TITLES = {
    "Trial balance": "试算平衡表",
    "Balance sheet": "资产负债表",
    "Income statement": "利润表",
    "Cash flow statement": "现金流量表",
    "Receivables aging": "应收账款账龄分析",
    "Maintenance fund statement": "专项维修资金分户账",
    "Owner statement": "业主对账单",
}

WORDS = {
    **TITLES,
    # meta and headers
    "all": "全部",
    "Estates": "项目",
    "From": "起始日期",
    "To": "截止日期",
    "At": "日期",
    "As of position": "截至日志位置",
    "Generated at": "生成时间",
    "Account": "科目编码",
    "Name": "科目名称",
    "Line": "项目",
    "Section": "类别",
    "Category": "项目",
    "Amount": "金额",
    "Balance": "余额",
    "Opening": "期初余额",
    "Debit": "借方发生额",
    "Credit": "贷方发生额",
    "Closing": "期末余额",
    "Total": "合计",
    "Bill": "账单",
    "Bills": "账单明细",
    "Unit": "房号",
    "Estate": "项目",
    "Building": "楼栋",
    "Owners": "业主",
    "Units": "分户",
    "Currency": "币种",
    "Due": "到期日",
    "Days past due": "逾期天数",
    "Bucket": "账龄",
    "Outstanding": "未收金额",
    "Totals": "汇总",
    "By unit": "按房屋",
    "By debtor": "按欠款人",
    "Debtors": "欠款人",
    "Deposits": "交存",
    "Spending": "使用",
    "Fund bank account": "维修资金专户",
    "Date": "日期",
    "Memo": "摘要",
    "Charged": "应收",
    "Paid / credited": "实收",
    "Opening balance": "期初余额",
    "Closing balance": "期末余额",
    # sections and fixed lines
    "assets": "资产",
    "liabilities": "负债",
    "equity": "所有者权益",
    "revenue": "收入",
    "expense": "费用",
    "Current result": "本期未结转损益",
    "Assets = liabilities + equity + result": "资产 = 负债 + 所有者权益 + 未结转损益",
    "Net result": "净利润",
    "Opening cash": "期初现金余额",
    "Net change": "现金净增加额",
    "Closing cash": "期末现金余额",
    "transfers between cash accounts": "现金账户间划转",
    "receipts from owners": "收到业主缴费",
    "refunds to owners": "退还业主款项",
    "maintenance fund deposits": "维修资金交存",
    "maintenance fund disbursements": "维修资金支出",
    "receipts from vendors": "收到供应商款项",
    "payments to vendors": "支付供应商款项",
    "other receipts": "其他收款",
    "other payments": "其他付款",
    # aging buckets
    "not yet due": "未到期",
    "0-30": "0-30天",
    "31-90": "31-90天",
    "91-180": "91-180天",
    "181-365": "181-365天",
    "within 1 year": "1年以内",
    "1-2 years": "1-2年",
    "2-3 years": "2-3年",
    "over 3 years": "3年以上",
    # the 企业会计准则 layouts
    "Year start": "年初余额",
    "Current period": "本期金额",
    "Year to date": "本年累计金额",
    "Same period last year": "上年同期金额",
    "Total assets": "资产总计",
    "Total liabilities": "负债合计",
    "Total owners' equity": "所有者权益合计",
    "Total liabilities and owners' equity": "负债和所有者权益总计",
}


def label(english: str, lang: Lang) -> str:
    """``english`` in the export's language."""
    return WORDS.get(english, english) if lang == ZH else english


def report_titles(english: str, lang: Lang) -> tuple[str, str]:
    """(title, subtitle): the statement's name in the export's language, then in the
    other one."""
    chinese = TITLES[english]
    return (chinese, english) if lang == ZH else (english, chinese)
