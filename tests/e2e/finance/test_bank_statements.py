"""Issue 14: bank statements imported as Chinese banks export them, and reconciled.

An ICBC-like CSV in GBK with title rows above the table and a total row
below, a CCB-like xlsx with other column names; each line stored once by the
bank's serial; credit lines matched to recorded bank-transfer payments by
rule (serial or 附言, amount, date window) or by hand; the reconciliation
statement (银行存款余额调节表) against the ledger's 1002, figures by hand.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import Actor, FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill, pay

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ICBC_HEADER = "交易日期,交易时间,摘要,借方发生额,贷方发生额,余额,对方户名,对方账号,交易流水号"
CCB_HEADER = "交易日期,交易时间,收入金额,支出金额,账户余额,对方户名,对方账号,附言,流水号"
ICBC_LINES = [
    "2026-02-01,10:15:00,物业费,,300.00,300.00,张三,6222020200001111,ICBC0001",
    "2026-02-02,11:00:00,物业费 WX-TRF-778 201室,,200.00,500.00,李四,6222020200002222,ICBC0002",
    "2026-02-03,09:00:00,来账,,50.00,550.00,王五,6222020200003333,ICBC0003",
    "2026-02-03,17:00:00,手续费,5.00,,545.00,中国工商银行,,ICBC0004",
]


def icbc_csv(lines: list[str] = ICBC_LINES) -> bytes:
    """As ICBC's web banking exports it: title rows, the table, a total row; GBK."""
    text = "\r\n".join(
        [
            "中国工商银行 账户明细",
            "账号:,6222020200009999",
            "币种:,人民币",
            "",
            ICBC_HEADER,
            *lines,
            "合计,,,5.00,550.00,,,,",
        ]
    )
    return text.encode("gbk")


def ccb_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["中国建设银行 活期账户交易明细"])
    sheet.append(["账号", "6217000000001234"])
    sheet.append([])
    sheet.append(
        [
            "交易日期",
            "交易时间",
            "收入金额",
            "支出金额",
            "账户余额",
            "对方户名",
            "对方账号",
            "附言",
            "流水号",
        ]
    )
    sheet.append(
        ["2026/02/06", "08:30:00", 80, None, 625.5, "赵六", "6217000000005555", "预存", "CCB77001"]
    )
    sheet.append(["20260207", "09:45:10", None, 19.5, 606, "建设银行", "", "年费", "CCB77002"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(fw: FinanceWorld, content: bytes, kind: str = CSV, who: Actor | None = None) -> Any:
    return fw.client.post(
        f"/api/v1/finance/estates/{fw.estate_id}/bank-statements",
        content=content,
        headers={**(who or fw.finance).headers, "Content-Type": kind},
    )


def recorded(
    fw: FinanceWorld, unit: int, amount: str, reference: str, method: str = "bank_transfer"
) -> str:
    response = pay(fw, fw.units[unit], amount, method, reference)
    assert response.status_code == 201, response.text
    return response.json()["id"]  # type: ignore[no-any-return]


def reconciliation(
    fw: FinanceWorld, as_of: str, who: Actor | None = None, status: int = 200
) -> Any:
    head = fw.container.event_log.head()
    path = f"/finance/estates/{fw.estate_id}/bank-reconciliation"
    response = fw.get(path, who or fw.finance, status, as_of=as_of, after=head)
    return response.json()


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def books(fw: FinanceWorld) -> dict[str, str]:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    return {
        "p1": recorded(fw, 0, "300.00", "ICBC0001"),  # the line's serial
        "p2": recorded(fw, 1, "200.00", "WX-TRF-778"),  # in the line's 附言, a day later
        "p3": recorded(fw, 2, "120.00", "ICBC0009"),  # not on the statement yet
        "cash": recorded(fw, 0, "40.00", "SJ-BANK-1", "cash"),  # not the bank's business
    }


def test_a_gbk_statement_reconciles_to_the_ledger_by_rule_and_by_hand(fw: FinanceWorld) -> None:
    paid = books(fw)
    response = upload(fw, icbc_csv())
    assert response.status_code == 201, response.text
    done = response.json()
    assert (done["layout"], done["lines"], done["imported"], done["already_imported"]) == (
        "icbc",
        4,
        4,
        0,
    )
    r = reconciliation(fw, "2026-02-05")
    # By hand: bank 545.00 (the last line's 余额) + 120.00 recorded, not on the
    # statement = 665.00; ledger 1002 = 300 + 200 + 120 = 620.00, + 50.00 the bank
    # received that nobody recorded - 5.00 the bank's fee = 665.00.
    figures = {
        k: money(r[k])
        for k in (
            "bank_balance",
            "recorded_not_on_statement",
            "adjusted_bank_balance",
            "ledger_balance",
            "statement_credits_not_recorded",
            "statement_debits_not_recorded",
            "adjusted_ledger_balance",
            "difference",
        )
    }
    assert figures == {
        "bank_balance": Decimal("545.00"),
        "recorded_not_on_statement": Decimal("120.00"),
        "adjusted_bank_balance": Decimal("665.00"),
        "ledger_balance": Decimal("620.00"),
        "statement_credits_not_recorded": Decimal("50.00"),
        "statement_debits_not_recorded": Decimal("5.00"),
        "adjusted_ledger_balance": Decimal("665.00"),
        "difference": Decimal("0.00"),
    }
    assert sorted((m["payment_id"], m["how"]) for m in r["matched"]) == sorted(
        [(paid["p1"], "rule"), (paid["p2"], "rule")]
    )
    assert [line["serial"] for line in r["unmatched_lines"]] == ["ICBC0003", "ICBC0004"]
    assert [p["payment_id"] for p in r["unmatched_payments"]] == [paid["p3"]]
    # Wang Wu's 50.00 was for unit 301: finance records it and matches the line by hand.
    fw.clock.set(2026, 2, 4, 9)
    p4 = recorded(fw, 2, "50.00", "WANGWU-FEB")
    line = r["unmatched_lines"][0]["id"]
    fw.post(f"/finance/bank-lines/{line}/match", fw.finance, {"payment_id": p4}, status=200)
    after = reconciliation(fw, "2026-02-05")
    assert (money(after["ledger_balance"]), money(after["statement_credits_not_recorded"])) == (
        Decimal("670.00"),
        Decimal("0.00"),
    )
    assert money(after["difference"]) == Decimal("0.00")
    assert (p4, "hand") in [(m["payment_id"], m["how"]) for m in after["matched"]]
    # As of 1 February the statement had one line and the ledger three payments.
    early = reconciliation(fw, "2026-02-01")
    assert money(early["bank_balance"]) == Decimal("300.00")
    assert money(early["recorded_not_on_statement"]) == Decimal("320.00")  # 200 + 120
    assert money(early["difference"]) == Decimal("0.00")


def test_a_statement_imported_again_stores_nothing_new(fw: FinanceWorld) -> None:
    books(fw)
    assert upload(fw, icbc_csv()).status_code == 201
    head = fw.container.event_log.head()
    again = upload(fw, icbc_csv())
    assert again.status_code == 200, again.text
    assert (again.json()["imported"], again.json()["already_imported"]) == (0, 4)
    # A later export overlapping the first stores only its new line.
    later = upload(
        fw, icbc_csv([*ICBC_LINES, "2026-02-04,08:00:00,物业费,,10.00,555.00,孙七,1,ICBC0005"])
    )
    assert (later.status_code, later.json()["imported"]) == (201, 1)
    assert fw.container.event_log.head() == head + 1


def test_a_ccb_workbook_is_read_through_its_own_column_names(fw: FinanceWorld) -> None:
    response = upload(fw, ccb_xlsx(), XLSX)
    assert response.status_code == 201, response.text
    assert response.json()["layout"] == "ccb"
    head = fw.container.event_log.head()
    rows = fw.get(f"/finance/estates/{fw.estate_id}/bank-lines", fw.auditor, after=head).json()
    assert [
        (
            r["serial"],
            r["value_date"],
            money(r["credit"]),
            money(r["debit"]),
            money(r["balance"]),
        )
        for r in rows
    ] == [
        ("CCB77001", "2026-02-06", Decimal("80.00"), Decimal("0.00"), Decimal("625.50")),
        ("CCB77002", "2026-02-07", Decimal("0.00"), Decimal("19.50"), Decimal("606.00")),
    ]
    assert [(r["memo"], r["counterparty"], r["row_number"]) for r in rows] == [
        ("预存", "赵六", 5),
        ("年费", "建设银行", 6),
    ]


def test_a_malformed_statement_names_its_rows_and_stores_nothing(fw: FinanceWorld) -> None:
    head = fw.container.event_log.head()
    bad = [
        ICBC_LINES[0],
        "2026-02-02,11:00:00,物业费,,2O0.00,500.00,李四,1,ICBC0002",  # a letter O
        "2026-02-31,11:00:00,物业费,,1.00,501.00,李四,1,ICBC0003",  # no such day
        "2026-02-03,11:00:00,物业费,1.00,1.00,501.00,李四,1,ICBC0004",  # in and out
        "2026-02-03,11:00:00,物业费,,1.00,502.00,李四,1,",  # no serial
    ]
    problem = assert_problem(upload(fw, icbc_csv(bad)), 422)
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [
        (7, "贷方发生额"),
        (8, "交易日期"),
        (9, "贷方发生额"),
        (10, "交易流水号"),
    ]
    assert "row 7" in problem["detail"]
    no_header = assert_problem(upload(fw, "日期,金额\n2026-02-01,1.00\n".encode()), 422)
    assert "交易流水号" in no_header["detail"]
    assert_problem(upload(fw, b"\x00\x01 not a workbook", XLSX), 422)
    assert_problem(upload(fw, icbc_csv(), "application/pdf"), 415)
    assert fw.container.event_log.head() == head


def test_only_finance_of_the_estate_imports_and_matches(fw: FinanceWorld) -> None:
    paid = books(fw)
    upload(fw, icbc_csv())
    r = reconciliation(fw, "2026-02-05", fw.auditor)  # auditors read every estate
    line = r["unmatched_lines"][0]["id"]
    head = fw.container.event_log.head()
    assert_problem(upload(fw, icbc_csv(), who=fw.owners[0]), 403)
    assert_problem(upload(fw, icbc_csv(), who=fw.auditor), 403)
    assert_problem(upload(fw, icbc_csv(), who=fw.other_finance), 404)
    reconciliation(fw, "2026-02-05", fw.other_finance, status=404)
    reconciliation(fw, "2026-02-05", fw.owners[0], status=403)
    match = f"/finance/bank-lines/{line}/match"
    assert_problem(fw.post(match, fw.other_finance, {"payment_id": paid["p3"]}), 404)
    assert_problem(fw.post(match, fw.auditor, {"payment_id": paid["p3"]}), 403)
    # A 50.00 line is not a 120.00 payment, nor is a cash payment on the bank.
    assert_problem(fw.post(match, fw.finance, {"payment_id": paid["p3"]}), 409)
    assert_problem(fw.post(match, fw.finance, {"payment_id": paid["cash"]}), 422)
    assert fw.container.event_log.head() == head
