"""Request examples of the finance routes (``interfaces/http/examples.py`` explains)."""

from __future__ import annotations

from typing import Any

# The IDs of interfaces/http/examples.py, so that every example speaks of one estate.
ESTATE = "3f1c2a9e-7b4d-4e8a-9c61-0d2b5e8f4a10"
BUILDING = "8a2d6c1f-3e5b-4f7a-b9d0-1c4e7a2b5d83"
UNIT = "c5e8a1b4-2d7f-4a3c-8e96-7f1b3d5a9c24"
PERSON = "5b9d3f7a-1c6e-4b2d-a8f0-9e3c7b1d5a62"
VENDOR = "2c7e5a9f-1d4b-4c8e-9a3f-7b5d1e8c4a26"
BILL = "4e8c2a6f-5d9b-4e1c-a3f7-2b6d9a1e5c86"
PAYMENT = "6f2a8d4c-3b7e-4f9a-8c1d-4a7e2c9f6b13"
RESOLUTION = {
    "reference": "海景花园业主大会决议〔2026〕3号",
    "meeting_on": "2026-02-20",
    "participating_area": "38000.00",
    "participating_owners": 420,
    "area_for": "30500.00",
    "owners_for": 350,
}
M = "interfaces.http.finance."

FINANCE: dict[str, dict[str, Any]] = {
    M + "accounts.PaymentRequest": {
        "amount": "1850.00",
        "currency": "CNY",
        "method": "bank_transfer",
        "reference": "工行转账 2026030112345",
        "bill_id": BILL,
        "received_on": "2026-03-01",
    },
    M + "accounts.RefundRequest": {
        "amount": "120.00",
        "method": "bank_transfer",
        "reason": "重复缴纳三月物业费，退回多缴部分",
    },
    M + "accounts.Reversal": {"reason": "银行退票：对方账户名不符"},
    M + "accounts.WaiverRequest": {
        "bill_id": BILL,
        "amount": "36.50",
        "reason": "电梯停运两周，减免当月滞纳金",
        "part": "late_fee",
    },
    M + "bad_debts.ProvisionBody": {"as_of": "2026-03-31", "rates": {"over_3_years": "1"}},
    M + "bad_debts.WriteOffBody": {
        "bill_id": BILL,
        "amount": "2150.00",
        "reason": "业主下落不明，催收超过三年，经审批核销",
    },
    M + "bank.Match": {"payment_id": PAYMENT},
    M + "billing.BillingRunRequest": {"period": "2026-03"},
    M + "compliance.NewComplianceRun": {
        "estate_id": ESTATE,
        "from": "2026-01-01",
        "to": "2026-03-31",
        "large_expense_threshold": "50000.00",
        "currency": "CNY",
    },
    M + "compliance.FindingNote": {"note": "已补录审批单，见凭证 JZ-2026-0031"},
    M + "expenses.views.BudgetBody": {
        "lines": {"repairs": "120000.00", "cleaning": "360000.00", "greening": "80000.00"},
        "currency": "CNY",
        "reason": "2026年度预算，经业委会审议",
    },
    M + "expenses.views.NewClaim": {
        "estate_id": ESTATE,
        "vendor_id": VENDOR,
        "category": "repairs",
        "amount": "8600.00",
        "currency": "CNY",
        "description": "A座屋面防水修补",
        "incurred_on": "2026-03-02",
        "invoice_ref": "发票号 04412345",
    },
    M + "expenses.views.NewVendor": {
        "name": "上海清洁环境服务有限公司",
        "tax_id": "91310115MA1K3ABC2X",
        "bank_account": "6222021001112223334",
        "contact": "李经理 13800001234",
        "categories": ["cleaning", "greening"],
    },
    M + "expenses.views.Payment": {"method": "bank_transfer", "payment_ref": "付款单 FK-2026-0088"},
    M + "expenses.views.VendorChange": {"contact": "陈经理 13900004321"},
    M + "expenses.views.WithReason": {"reason": "供应商已注销，不再合作"},
    M + "fund.DisbursementBody": {
        "reference": "维修资金划款 WX-2026-017",
        "booked_on": "2026-03-10",
    },
    M + "fund.NewDeposit": {
        "unit_id": UNIT,
        "amount": "5370.00",
        "currency": "CNY",
        "method": "bank_transfer",
        "reference": "首期维修资金 建行 20260301",
        "booked_on": "2026-03-01",
    },
    M + "fund.NewSpending": {
        "estate_id": ESTATE,
        "purpose": "A座两部电梯更换曳引机",
        "amount": "186000.00",
        "currency": "CNY",
        "basis": "resolution",
        "resolution": RESOLUTION,
        "vendor": "上海奥的斯电梯有限公司",
    },
    M + "fund_bank.BankBalance": {
        "estate_id": ESTATE,
        "on": "2026-03-31",
        "balance": "2486310.55",
        "currency": "CNY",
        "reference": "建行对账单 2026-03",
    },
    M + "fund_first_deposit.RuleBody": {
        "rate": "45.00",
        "currency": "CNY",
        "reference": "沪房规〔2024〕5号",
        "effective_on": "2026-01-01",
        "building_rates": {BUILDING: "60.00"},
    },
    M + "fund_interest.NewInterest": {
        "estate_id": ESTATE,
        "amount": "3120.40",
        "currency": "CNY",
        "reference": "建行结息 2026Q1",
        "period_from": "2026-01-01",
        "period_to": "2026-03-20",
    },
    M + "invoices.InvoiceRequest": {
        "kind": "normal",
        "bill_ids": [BILL],
        "amount": "1850.00",
        "currency": "CNY",
        "buyer_name": "王芳",
    },
    M + "invoices.RedLetter": {"reason": "购买方名称填写错误，冲红重开"},
    M + "ledger.routes.NewJournal": {
        "booked_on": "2026-03-31",
        "memo": "计提三月水电代收差额",
        "lines": [
            {"account": "6602", "debit": "1200.00", "currency": "CNY"},
            {"account": "2241", "credit": "1200.00", "currency": "CNY"},
        ],
    },
    M + "ledger.routes.Reversal": {"reason": "科目用错，冲销后重做"},
    M + "online.OrderRequest": {"bill_ids": [BILL]},
    M + "online.SettlementRequest": {
        "reference": "WXPAY-SETTLE-20260302",
        "settled_on": "2026-03-02",
        "gross": "12500.00",
        "fee": "75.00",
        "currency": "CNY",
    },
    M + "owners.ClearanceRequest": {"as_of": "2026-03-15"},
    M + "rate_schemas.RateChangeIn": {
        "item": "property_fee",
        "rate": "3.80",
        "currency": "CNY",
        "basis": "gross",
        "effective_from": "2026-07-01",
        "resolution": RESOLUTION,
    },
    M + "rate_schemas.ReadingsIn": {
        "period": "2026-03",
        "readings": [
            {"unit_id": UNIT, "meter": "water", "reading": "1532.4", "read_on": "2026-03-31"}
        ],
    },
    M + "rate_schemas.SharedCostIn": {
        "period": "2026-03",
        "item": "shared_area",
        "description": "公共区域照明电费",
        "amount": "4260.00",
        "currency": "CNY",
        "basis": "gross",
    },
    M + "rate_schemas.TermsIn": {
        "due_days": 15,
        "late_fee_daily_rate": "0.0003",
        "late_fee_grace_days": 10,
        "currency": "CNY",
    },
    M + "rate_schemas.VacancyPayerIn": {"person_id": PERSON},
    M + "rate_schemas.WithReason": {"reason": "业委会要求暂缓调整"},
    M + "renovation.NewDeposit": {
        "unit_id": UNIT,
        "amount": "3000.00",
        "currency": "CNY",
        "method": "bank_transfer",
        "reference": "装修押金 招行 20260305",
        "renovation": "全屋装修，工期约90天",
    },
    M + "renovation.ForfeitBody": {"amount": "200.00", "reason": "装修垃圾堆放楼道，超期未清"},
    M + "renovation.RefundBody": {
        "method": "bank_transfer",
        "reference": "退押金 FK-2026-0102",
        "inspection": "竣工验收合格，无破坏公共部位",
    },
    M + "tax.TaxSettingsIn": {
        "taxpayer": "general",
        "effective_from": "2026-04-01",
        "items": {"water": {"treatment": "pass_through"}},
    },
}
