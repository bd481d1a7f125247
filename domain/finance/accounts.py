"""The chart of accounts every estate's books use (企业会计准则 numbering).

Codes are fixed: postings, statements and exports refer to them. An
account's ``kind`` says which side of the accounting equation it is on and
its normal balance; ``cash`` marks the accounts the cash-flow statement
follows. The maintenance fund (专项维修资金) is owners' money held in trust:
a liability with its own bank account, never revenue.

A *control account* sums a sub-ledger kept per unit or per vendor: only the
events of that sub-ledger's aggregates post to it, so the account always
equals the sum of its sub-ledger and a manual journal never touches it
(``sub_ledger`` on the account, from :data:`SUB_LEDGERS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.finance.fee_items import FEE_ITEMS


class Kind(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"

    @property
    def debit_normal(self) -> bool:
        return self in (Kind.ASSET, Kind.EXPENSE)


@dataclass(frozen=True)
class SubLedger:
    """The per-unit or per-vendor register behind one or more control accounts."""

    key: str
    name: str
    name_zh: str
    aggregates: frozenset[str]  # whose events alone post to its control accounts
    events: str  # what posts there, in the clerk's words


UNIT_ACCOUNTS = SubLedger(
    "unit_accounts",
    "unit accounts",
    "业主分户账",
    frozenset({"UnitAccount"}),
    "bills, payments, credit applied, late fees, waivers and refunds",
)
MAINTENANCE_FUND = SubLedger(
    "maintenance_fund",
    "maintenance fund accounts",
    "专项维修资金分户账",
    frozenset({"FundAccount", "FundSpending", "FundInterest"}),
    "fund deposits, approved spending and interest allocated to the units",
)
EXPENSE_CLAIMS = SubLedger(
    "expense_claims",
    "expense claims",
    "供应商往来",
    frozenset({"ExpenseClaim"}),
    "approved and paid expense claims",
)
RENOVATION = SubLedger(
    "renovation_deposits",
    "renovation deposits",
    "装修押金分户账",
    frozenset({"RenovationDeposit"}),
    "renovation deposits taken, refunded and forfeited",
)
STORES = SubLedger(
    "stores",
    "stores stock ledgers",
    "库存台账",
    frozenset({"Store", "SupplierInvoice"}),
    "goods received, parts issued and returned, approved stocktake differences, "
    "suppliers' invoices and their payment",
)
SUB_LEDGERS: dict[str, SubLedger] = {
    s.key: s for s in (UNIT_ACCOUNTS, MAINTENANCE_FUND, EXPENSE_CLAIMS, RENOVATION, STORES)
}


@dataclass(frozen=True)
class Account:
    code: str
    name: str
    name_zh: str
    kind: Kind
    cash: bool = False
    sub_ledger: SubLedger | None = None  # a control account: its sub-ledger alone posts


CASH = "1001"
BANK = "1002"
FUND_BANK = "1002.02"
ONLINE_CLEARING = "1012"
RECEIVABLES = "1122"
PAYABLES = "2202"
CUSTOMER_CREDIT = "2203"
FUND_PAYABLE = "2241"
RENOVATION_DEPOSITS = "2241.03"
FORFEITED_DEPOSITS = "6301"
CONTRACT_LIABILITIES = "2204"  # fees billed before their month of service (decision 0023)
OUTPUT_VAT = "2221.01"
UTILITIES_PAYABLE = "2241.10"  # water, electricity and gas collected for the utilities (代收代付)
PAID_IN_CAPITAL = "4001"
RETAINED_EARNINGS = "4104"
PROFIT_FOR_THE_YEAR = "4103"
BAD_DEBT_ALLOWANCE = "1231"
CREDIT_IMPAIRMENT = "6702"
LATE_FEE_INCOME = "6051"
FEE_WAIVERS = "6001.90"
PAYMENT_FEES = "6603.01"  # online payment providers' fees (decision 0027)
TEMPORARY_PARKING = "6001.20"  # fees of temporary parking at the barrier (decision 0060)
# The stores (issue 17, decision 0058): stock at cost, goods received not yet
# claimed, and stocktake gains and losses.
INVENTORY = "1403"
STORES_PAYABLE = "2202.02"
INVENTORY_DIFFERENCES = "6602.20"
PURCHASE_PRICE_DIFFERENCES = "6602.21"  # invoice against receipt, within tolerance (0062)

# Revenue account of each fee item (R5.1), from the fee items' table.
FEE_REVENUE: dict[str, str] = {spec.item: spec.revenue_account for spec in FEE_ITEMS}

# Expense account of each expense category (R5.2).
EXPENSE_ACCOUNTS: dict[str, str] = {
    "repairs": "6401.01",
    "maintenance": "6401.02",
    "utilities": "6401.03",
    "cleaning": "6401.04",
    "greening": "6401.05",
    "security": "6401.06",
    "salaries": "6602.01",
    "supplies": "6602.02",
    "insurance": "6602.03",
    "other": "6602.99",
}

CHART: dict[str, Account] = {
    a.code: a
    for a in (
        Account(CASH, "Cash on hand", "库存现金", Kind.ASSET, cash=True),
        Account(BANK, "Bank deposits", "银行存款", Kind.ASSET, cash=True),
        Account(
            FUND_BANK,
            "Bank deposits - maintenance fund",
            "银行存款—维修资金专户",
            Kind.ASSET,
            cash=True,
            sub_ledger=MAINTENANCE_FUND,
        ),
        Account(
            ONLINE_CLEARING,
            "Online payment clearing",
            "其他货币资金—第三方支付",
            Kind.ASSET,
            cash=True,
        ),
        Account(
            RECEIVABLES,
            "Accounts receivable - owners",
            "应收账款—业主",
            Kind.ASSET,
            sub_ledger=UNIT_ACCOUNTS,
        ),
        Account(INVENTORY, "Inventory - materials", "原材料", Kind.ASSET, sub_ledger=STORES),
        # A contra-asset: its credit balance is shown net of receivables (应收账款净额).
        Account(BAD_DEBT_ALLOWANCE, "Allowance for doubtful accounts", "坏账准备", Kind.ASSET),
        Account(
            PAYABLES,
            "Accounts payable - vendors",
            "应付账款—供应商",
            Kind.LIABILITY,
            sub_ledger=EXPENSE_CLAIMS,
        ),
        Account(
            STORES_PAYABLE,
            "Accounts payable - goods received",
            "应付账款—暂估材料款",
            Kind.LIABILITY,
            sub_ledger=STORES,
        ),
        Account(
            CUSTOMER_CREDIT,
            "Advance receipts - owner credit",
            "预收账款—业主预存",
            Kind.LIABILITY,
            sub_ledger=UNIT_ACCOUNTS,
        ),
        Account(
            FUND_PAYABLE,
            "Maintenance fund held for owners",
            "其他应付款—专项维修资金",
            Kind.LIABILITY,
            sub_ledger=MAINTENANCE_FUND,
        ),
        Account(
            RENOVATION_DEPOSITS,
            "Other payables - renovation deposits",
            "其他应付款—装修押金",
            Kind.LIABILITY,
            sub_ledger=RENOVATION,
        ),
        Account(
            CONTRACT_LIABILITIES,
            "Contract liabilities - fees billed ahead",
            "合同负债",
            Kind.LIABILITY,
        ),
        Account(
            OUTPUT_VAT,
            "Taxes payable - VAT output tax",
            "应交税费—应交增值税(销项税额)",
            Kind.LIABILITY,
        ),
        Account(
            UTILITIES_PAYABLE,
            "Other payables - utilities collected for others",
            "其他应付款—代收水电费",
            Kind.LIABILITY,
        ),
        Account(PAID_IN_CAPITAL, "Paid-in capital", "实收资本", Kind.EQUITY),
        Account(PROFIT_FOR_THE_YEAR, "Profit for the year", "本年利润", Kind.EQUITY),
        Account(RETAINED_EARNINGS, "Retained earnings", "利润分配—未分配利润", Kind.EQUITY),
        *(
            Account(spec.revenue_account, spec.account_name, spec.account_name_zh, Kind.REVENUE)
            for spec in FEE_ITEMS
        ),
        Account(FEE_WAIVERS, "Fee waivers", "主营业务收入—减免", Kind.REVENUE),
        Account(
            TEMPORARY_PARKING, "Temporary parking revenue", "主营业务收入—临时停车费", Kind.REVENUE
        ),
        # 违约金, not 滞纳金: a property company charges the contract's penalty for late
        # payment; 滞纳金 is a charge only the state levies (decision 0022).
        Account(LATE_FEE_INCOME, "Late-payment fees", "其他业务收入—违约金", Kind.REVENUE),
        Account(
            FORFEITED_DEPOSITS,
            "Non-operating income - forfeited deposits",
            "营业外收入—没收押金",
            Kind.REVENUE,
        ),
        Account(EXPENSE_ACCOUNTS["repairs"], "Repairs", "主营业务成本—维修", Kind.EXPENSE),
        Account(
            EXPENSE_ACCOUNTS["maintenance"],
            "Maintenance contracts",
            "主营业务成本—维保",
            Kind.EXPENSE,
        ),
        Account(EXPENSE_ACCOUNTS["utilities"], "Utilities", "主营业务成本—水电能耗", Kind.EXPENSE),
        Account(EXPENSE_ACCOUNTS["cleaning"], "Cleaning", "主营业务成本—保洁", Kind.EXPENSE),
        Account(EXPENSE_ACCOUNTS["greening"], "Greening", "主营业务成本—绿化", Kind.EXPENSE),
        Account(EXPENSE_ACCOUNTS["security"], "Security", "主营业务成本—秩序维护", Kind.EXPENSE),
        Account(EXPENSE_ACCOUNTS["salaries"], "Salaries", "管理费用—工资", Kind.EXPENSE),
        Account(
            EXPENSE_ACCOUNTS["supplies"], "Office and supplies", "管理费用—办公用品", Kind.EXPENSE
        ),
        Account(EXPENSE_ACCOUNTS["insurance"], "Insurance", "管理费用—保险", Kind.EXPENSE),
        Account(EXPENSE_ACCOUNTS["other"], "Other expenses", "管理费用—其他", Kind.EXPENSE),
        Account(
            INVENTORY_DIFFERENCES,
            "Inventory count differences",
            "管理费用—存货盘盈盘亏",
            Kind.EXPENSE,
        ),
        Account(
            PURCHASE_PRICE_DIFFERENCES,
            "Purchase price differences",
            "管理费用—采购价差",
            Kind.EXPENSE,
        ),
        Account(PAYMENT_FEES, "Payment service fees", "财务费用—手续费", Kind.EXPENSE),
        Account(CREDIT_IMPAIRMENT, "Credit impairment losses", "信用减值损失", Kind.EXPENSE),
    )
}

# How money came in or went out: the account a payment method moves.
PAYMENT_ACCOUNTS: dict[str, str] = {
    "cash": CASH,
    "bank_transfer": BANK,
    "online": ONLINE_CLEARING,
}


def account(code: str) -> Account:
    return CHART[code]
