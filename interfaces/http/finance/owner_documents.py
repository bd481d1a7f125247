"""The owner's documents as printed: the statement (对账单) and the fee clearance
certificate (物业费结清证明), in Chinese with the English name as subtitle.

Each builder lays out what a route already answers (the statement's JSON body,
a certificate printed again from its event) as an
:class:`application.reporting.Report`; ``interfaces/http/exports.py`` renders it
with the font ``ESTATELOG_PDF_FONT`` names (decision 0014).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from application.finance.accounts.clearance import PrintedCertificate
from application.reporting import Column, Report, Table
from domain.finance.fee_items import SPECS
from domain.finance.money import round_money
from projections.finance.accounts.owners import CertificatePlace

#: What a reprinted certificate says above its number, as a reprinted receipt
#: does (docs/finance/receipts.md); no count, since printing records nothing.
REPRINT = "补打 REPRINT"
METHODS = {"cash": "现金", "bank_transfer": "银行转账", "online": "线上支付"}


def _item(line: dict[str, Any]) -> str:
    spec = SPECS.get(line["item"])
    return spec.account_name_zh.split("—")[-1] if spec else str(line["item"])


def _money(amount: Any, currency: str | None) -> str:
    """``116.13 CNY``: to the currency's minor unit (a sum of none reads ``0.00``)."""
    if not currency:
        return str(amount)
    return f"{round_money(Decimal(amount), currency)} {currency}"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def statement_report(body: dict[str, Any], printed_at: datetime) -> Report:
    """对账单: whose, where, what is owed; each bill (period and items) and each
    payment with its receipt number."""
    currency = body["currency"]
    bills = Table(
        "账单明细 Bills",
        (
            Column("number", "账单号"),
            Column("period", "账期"),
            Column("items", "收费项目"),
            Column("due_on", "到期日", "date"),
            Column("charged", "应收", "money"),
            Column("paid", "已缴", "money"),
            Column("waived", "减免", "money"),
            Column("outstanding", "未缴", "money"),
        ),
        tuple(
            (
                b.get("number") or "",
                b["period"],
                "、".join(dict.fromkeys(_item(line) for line in b["lines"])),
                b["due_on"],
                Decimal(b["principal"]) + Decimal(b["late_fees"]),
                Decimal(b["paid"]),
                Decimal(b["waived"]) + Decimal(b["written_off"]),
                Decimal(b["outstanding"]),
            )
            for b in body["bills"]
        ),
    )
    payments = Table(
        "缴费记录 Payments",
        (
            Column("receipt", "收据号"),
            Column("received_on", "到账日", "date"),
            Column("method", "方式"),
            Column("reference", "凭证号"),
            Column("amount", "金额", "money"),
            Column("status", "状态"),
        ),
        tuple(
            (
                p["receipt_number"] or "",
                p["received_on"],
                METHODS.get(p["method"], p["method"]),
                p["reference"] or "",
                Decimal(p["amount"]),
                "已冲正" if p["reversed"] else "",
            )
            for p in body["payments"]
        ),
    )
    meta = (
        ("业主", body["name"] or ""),
        ("项目", body["estate_name"]),
        ("楼栋", body["building"]),
        ("房号", body["unit_number"]),
        ("币种", currency or ""),
        ("未缴合计", _money(body["owed"], currency)),
        ("预存余额", _money(body["credit"], currency)),
        ("应缴余额", _money(body["balance"], currency)),
        ("打印时间", _when(printed_at)),
    )
    return Report("业主对账单", "Owner statement", meta, (bills, payments))


def certificate_report(
    printed: PrintedCertificate,
    place: CertificatePlace,
    printed_at: datetime,
    *,
    reprint: bool,
) -> Report:
    """物业费结清证明 as recorded: its figures come from its event alone."""
    c = printed.certificate
    as_of = c.as_of.isoformat()
    meta = (
        *(((REPRINT, _when(printed_at)),) if reprint else ()),
        ("证明编号", str(c.id)),
        ("项目", place["estate_name"]),
        ("楼栋", place["building"]),
        ("房号", place["unit_number"]),
        ("业主", printed.name or place["name_masked"] or ""),
        ("截至日期", as_of),
        ("账单", "、".join(place["periods"]) or "无"),
        ("应收合计", _money(c.charged, c.currency)),
        ("已缴合计", _money(c.paid, c.currency)),
        ("减免合计", _money(c.waived, c.currency)),
        ("结论", f"截至 {as_of} 无欠缴物业费 (no fees outstanding as of {as_of})"),
        ("签发人", place["issued_by"] or str(c.issued_by)),
        ("签发时间", _when(c.at)),
        ("打印时间", _when(printed_at)),
    )
    return Report("物业费结清证明", "Fee clearance certificate", meta)
