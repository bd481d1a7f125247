"""The 企业会计准则 statement layouts through the HTTP API (issue 14, "Year end and
formats"; decision 0024), across a year boundary, and exports in Chinese by
default, English on request.

The books of ``test_year_end.a_year_of_books`` (2026: capital 10,000.00, fees
5,000.00, supplies 1,200.00, closed into 4104 with December; 2027: fees 800.00
on 10 January), then January 2027 billed on 12 January (250 + 200 + 300 =
750.00) and a provision of 5% on it (37.50, all within the first year). By hand,
at 31 January 2027 (期末余额) and 31 December 2026 (年初余额):

    货币资金     14,600.00   13,800.00   (bank: 10,000 + 5,000 - 1,200 + 800)
    应收账款        712.50        0.00   (750.00 - 37.50 坏账准备)
    资产总计     15,312.50   13,800.00
    实收资本     10,000.00   10,000.00
    未分配利润    5,312.50    3,800.00   (3,800 + 800 + 750 - 37.50 not yet closed)

利润表 for January 2027: 营业收入 1,550.00 (本期 and 本年累计), 信用减值损失
37.50, 净利润 1,512.50; for December 2026: 本期 -1,200.00, 本年累计 3,800.00.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill
from tests.e2e.finance.test_ledger import january_books
from tests.e2e.finance.test_year_end import a_year_of_books


def _books(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    a_year_of_books(fw)
    bill(fw, "2027-01")
    path = f"/finance/estates/{fw.estate_id}/bad-debt-provisions"
    asked = fw.post(path, fw.finance, {"as_of": "2027-01-12"}, status=202).json()
    assert asked["amount"] == "37.50"
    fw.post(f"/approvals/{asked['approval_id']}/approve", fw.admin, {}, status=200)
    fw.settle("finance_ledger")


def _get(fw: FinanceWorld, kind: str, **params: Any) -> Any:
    head = fw.container.event_log.head()
    path = f"/finance/statements/{kind}"
    return fw.get(path, fw.auditor, estate_id=fw.estate_id, after=head, **params)


def _lines(rows: list[dict[str, Any]], *cols: str) -> dict[str, tuple[Decimal, ...]]:
    return {r["name_zh"]: tuple(Decimal(r[c]) for c in cols) for r in rows}


def _cells(content: bytes) -> set[str]:
    book = load_workbook(io.BytesIO(content))
    return {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row}


def test_the_balance_sheet_and_income_statement_in_the_cas_layouts(fw: FinanceWorld) -> None:
    _books(fw)
    sheet = _get(fw, "balance-sheet-cas", at="2027-01-31").json()
    assert (sheet["year_start"], sheet["columns"]["opening"]) == ("2026-12-31", "年初余额")
    cny = sheet["currencies"]["CNY"]
    assets = _lines(cny["assets"], "closing", "opening")
    assert assets["货币资金"] == (Decimal("14600.00"), Decimal("13800.00"))
    assert assets["应收账款"] == (Decimal("712.50"), 0)
    equity = _lines(cny["equity"], "closing", "opening")
    assert equity["实收资本"] == (Decimal("10000.00"), Decimal("10000.00"))
    assert equity["未分配利润"] == (Decimal("5312.50"), Decimal("3800.00"))
    totals = cny["totals"]
    assert (Decimal(totals["assets"]["closing"]), Decimal(totals["assets"]["opening"])) == (
        Decimal("15312.50"),
        Decimal("13800.00"),
    )
    assert totals["balanced"]

    january = _get(fw, "income-statement-cas", **{"from": "2027-01-01", "to": "2027-01-31"})
    lines = _lines(january.json()["currencies"]["CNY"]["lines"], "current", "year_to_date")
    assert lines["一、营业收入"] == (Decimal("1550.00"), Decimal("1550.00"))
    assert lines["信用减值损失"] == (Decimal("37.50"), Decimal("37.50"))
    assert lines["四、净利润"] == (Decimal("1512.50"), Decimal("1512.50"))
    december = _get(fw, "income-statement-cas", **{"from": "2026-12-01", "to": "2026-12-31"})
    rows = december.json()["currencies"]["CNY"]["lines"]
    lines = _lines(rows, "current", "year_to_date", "prior_year")
    assert lines["管理费用"] == (Decimal("1200.00"), Decimal("1200.00"), 0)
    assert lines["四、净利润"] == (Decimal("-1200.00"), Decimal("3800.00"), 0)
    # The income statement needs its last day.
    _get(fw, "income-statement-cas", status=422)


def test_exports_are_in_chinese_unless_english_is_asked(fw: FinanceWorld) -> None:
    _books(fw)
    chinese = _cells(_get(fw, "balance-sheet-cas", at="2027-01-31", format="xlsx").content)
    assert {"资产负债表", "货币资金", "应收账款", "期末余额", "年初余额", "资产总计"} <= chinese
    english = _get(fw, "balance-sheet-cas", at="2027-01-31", format="xlsx", lang="en")
    cells = _cells(english.content)
    assert {"Balance sheet", "Cash and cash equivalents", "Year start"} <= cells
    assert "货币资金" not in cells
    income = _get(fw, "income-statement-cas", to="2027-01-31", format="xlsx").content
    assert {"利润表", "本期金额", "本年累计金额", "上年同期金额", "二、营业利润"} <= _cells(income)

    tb = _cells(_get(fw, "trial-balance", format="xlsx").content)
    assert {"试算平衡表", "银行存款", "科目名称", "期末余额"} <= tb and "Bank deposits" not in tb
    tb_en = _cells(_get(fw, "trial-balance", format="xlsx", lang="en").content)
    assert {"Trial balance", "Bank deposits", "Closing"} <= tb_en and "银行存款" not in tb_en
    aging = _cells(_get(fw, "receivables-aging", at="2027-01-31", format="xlsx").content)
    assert {"应收账款账龄分析", "未到期", "1年以内", "3年以上"} <= aging
    pdf = _get(fw, "income-statement-cas", to="2027-01-31", format="pdf")
    assert pdf.content.startswith(b"%PDF")
    _get(fw, "trial-balance", format="xlsx", lang="fr", status=422)


def _export(fw: FinanceWorld, path: str, language: str | None, **params: Any) -> Any:
    headers = dict(fw.finance.headers)
    if language is not None:
        headers["Accept-Language"] = language
    params = {"after": fw.container.event_log.head(), **params}
    response = fw.client.get(f"/api/v1{path}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response


def test_exports_follow_accept_language_and_print_chinese_with_the_shipped_font(
    fw: FinanceWorld,
) -> None:
    january_books(fw)
    assert fw.container.settings.pdf_font == "auto"  # as on a fresh machine
    path = "/finance/statements/trial-balance"
    chinese = _export(fw, path, None, estate_id=fw.estate_id, format="xlsx")
    assert chinese.headers["content-language"] == "zh-CN"
    assert chinese.headers["vary"] == "Accept-Language"
    assert {"试算平衡表", "科目名称", "银行存款"} <= _cells(chinese.content)
    for asked in ("en", "en-US,en;q=0.9", "zh;q=0.5, en;q=0.8"):
        english = _export(fw, path, asked, estate_id=fw.estate_id, format="xlsx")
        assert english.headers["content-language"] == "en"
        cells = _cells(english.content)
        assert {"Trial balance", "Name", "Bank deposits"} <= cells and "银行存款" not in cells
    # lang= is the deliberate choice: it wins over the header.
    pinned = _export(fw, path, "en", estate_id=fw.estate_id, format="xlsx", lang="zh")
    assert "银行存款" in _cells(pinned.content)

    # 业主对账单 over HTTP: its text extracts as Chinese, no ? nor code points.
    unit = f"/finance/units/{fw.units[0]}/statement"
    pdf = _export(fw, unit, None, format="pdf")
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert text.splitlines()[0] == "业主对账单"
    assert "房号" in text and "?" not in text and "[U+" not in text
    assert reader.metadata is not None
    assert str(reader.metadata.producer).endswith("(NotoSansSC-GBK.ttf)")
    english = _export(fw, unit, "en", format="pdf")
    lines = PdfReader(io.BytesIO(english.content)).pages[0].extract_text().splitlines()
    assert lines[:2] == ["Owner statement", "业主对账单"]
