"""Owners read their own statements; the statement and the clearance certificate print
(issue 14; decisions 0021, 0029), through the HTTP API.

Unit 201 of Finance Garden is sold on 19 January: the seller ("Owner 2") owes
116.13 of January, the buyer 83.87. Each reads their own part, on every unit
they owe or owed on, and nobody else's; staff read anyone's, the name masked.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from domain.identity.masking import mask_name
from infrastructure.reports import restore_code_points
from tests.e2e.finance.conftest import Actor, FinanceWorld
from tests.e2e.finance.helpers import pay
from tests.e2e.finance.test_owner_debts import sold_mid_month

SELLER_NAME = "Owner 2"
SELLER_MASKED = "O**** *"


@pytest.fixture
def sold(fw: FinanceWorld) -> tuple[str, str, Actor]:
    """The seller and buyer (persons) and the buyer's login; PDFs in the core font."""
    fw.container.settings.pdf_font = "core"  # Chinese prints as code points, read back
    seller, buyer, buyer_user, buyer_headers = sold_mid_month(fw)
    return seller, buyer, Actor(buyer_user, buyer_headers)


def _statement(fw: FinanceWorld, person: str, who: Actor, status: int = 200, **params: Any) -> Any:
    path = f"/finance/units/{fw.units[1]}/owners/{person}/statement"
    return fw.get(path, who, status=status, after=fw.container.event_log.head(), **params)


def _mine(fw: FinanceWorld, who: Actor) -> list[dict[str, Any]]:
    found = fw.get("/finance/me/statements", who, after=fw.container.event_log.head())
    return found.json()  # type: ignore[no-any-return]


def _text(pdf: Any) -> str:
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    return restore_code_points("\n".join(page.extract_text() for page in reader.pages))


def _seller_pays(fw: FinanceWorld, seller: str) -> dict[str, Any]:
    paid = pay(fw, fw.units[1], "116.13", payer_id=seller)
    assert paid.status_code == 201, paid.text
    head = fw.container.event_log.head()
    path = f"/finance/payments/{paid.json()['id']}/receipt"
    return fw.get(path, fw.finance, after=head).json()  # type: ignore[no-any-return]


def test_the_seller_reads_their_arrears_after_the_sale_and_the_buyer_only_theirs(
    fw: FinanceWorld, sold: tuple[str, str, Actor]
) -> None:
    seller, buyer, buyer_login = sold
    sellers_login = fw.owners[1]

    [mine] = _mine(fw, sellers_login)
    assert (mine["unit_id"], mine["person_id"]) == (fw.units[1], seller)
    assert (mine["estate_name"], mine["building"], mine["unit_number"]) == (
        "Finance Garden",
        "Building B1",
        "201",
    )
    assert Decimal(mine["balance"]) == Decimal("116.13")
    [theirs] = _mine(fw, buyer_login)
    assert (theirs["person_id"], Decimal(theirs["balance"])) == (buyer, Decimal("83.87"))
    assert _mine(fw, fw.finance) == []  # staff are nobody's debtor here

    # The seller moved out, yet reads the seller's statement, the name in clear.
    statement = _statement(fw, seller, sellers_login).json()
    assert (statement["name"], statement["own"]) == (SELLER_NAME, True)
    assert [b["period"] for b in statement["bills"]] == ["2026-01"]
    assert Decimal(statement["balance"]) == Decimal("116.13")
    assert statement["unit_number"] == "201" and statement["estate_name"] == "Finance Garden"

    # Neither reads the other's; nor the owner of another unit, nor another estate's clerk.
    _statement(fw, seller, buyer_login, status=404)
    _statement(fw, buyer, sellers_login, status=404)
    _statement(fw, seller, fw.owners[0], status=404)
    _statement(fw, seller, fw.other_finance, status=404)
    assert Decimal(_statement(fw, buyer, buyer_login).json()["balance"]) == Decimal("83.87")

    # Staff read it with the name masked.
    staff = _statement(fw, seller, fw.finance).json()
    assert (staff["name"], staff["own"]) == (SELLER_MASKED, False)


def test_the_statement_shows_receipt_numbers_and_prints_with_its_figures(
    fw: FinanceWorld, sold: tuple[str, str, Actor]
) -> None:
    seller, _, _ = sold
    receipt = _seller_pays(fw, seller)
    assert receipt["number"].startswith("SJ-FIN-2026-")

    statement = _statement(fw, seller, fw.owners[1]).json()
    [payment] = statement["payments"]
    assert payment["receipt_number"] == receipt["number"]
    assert Decimal(statement["balance"]) == Decimal("0.00")

    text = _text(_statement(fw, seller, fw.owners[1], format="pdf"))
    for expected in (
        "业主对账单",
        SELLER_NAME,
        "Finance Garden",
        "Building B1",
        "201",
        "2026-01",
        "物业费",
        "116.13",
        receipt["number"],
    ):
        assert expected in text, expected
    staff = _text(_statement(fw, seller, fw.finance, format="pdf"))
    assert SELLER_MASKED in staff and SELLER_NAME not in staff
    assert receipt["number"] in staff


def test_the_clearance_certificate_prints_and_reprints_from_its_event_alone(
    fw: FinanceWorld, sold: tuple[str, str, Actor]
) -> None:
    seller, buyer, buyer_login = sold
    _seller_pays(fw, seller)
    certify = f"/finance/units/{fw.units[1]}/owners/{seller}/clearance-certificates"
    issued = fw.client.post(
        f"/api/v1{certify}", params={"format": "pdf"}, json={}, headers=fw.finance.headers
    )
    assert issued.status_code == 201, issued.text
    original = _text(issued)
    [certificate_id] = re.findall(r"证明编号\s*([0-9a-f-]{36})", original)
    assert "补打" not in original
    head = fw.container.event_log.head()

    path = f"{certify}/{certificate_id}"
    reprint = _text(fw.get(path, fw.owners[1], format="pdf"))
    assert reprint.startswith("物业费结清证明\nFee clearance certificate\n补打 REPRINT")
    for label, value in (
        ("证明编号", certificate_id),
        ("项目", "Finance Garden"),
        ("房号", "201"),
        ("业主", SELLER_NAME),
        ("截至日期", "2026-02-01"),
        ("账单", "2026-01"),
        ("应收合计", "116.13 CNY"),
        ("已缴合计", "116.13 CNY"),
        ("减免合计", "0.00 CNY"),
        ("结论", "截至 2026-02-01 无欠缴物业费"),
        ("签发人", mask_name("Finance.Clerk")),  # as the user directory shows him
        ("签发时间", "2026-02-01 09:00 UTC"),
    ):
        assert re.search(rf"{label}\s*{re.escape(value)}", reprint), (label, value)
    assert fw.container.event_log.head() == head  # printing records nothing

    figures = fw.get(path, fw.auditor).json()
    assert (figures["id"], figures["as_of"], Decimal(figures["paid"])) == (
        certificate_id,
        "2026-02-01",
        Decimal("116.13"),
    )
    # The clerk who issues certificates prints the name; a reader sees it masked.
    assert SELLER_NAME in _text(fw.get(path, fw.finance, format="pdf"))
    audited = _text(fw.get(path, fw.auditor, format="pdf"))
    assert SELLER_MASKED in audited and SELLER_NAME not in audited

    # Nobody else's, under no other path.
    for who in (buyer_login, fw.owners[0], fw.other_finance):
        fw.get(path, who, status=404, format="pdf")
    fw.get(
        f"/finance/units/{fw.units[1]}/owners/{buyer}/clearance-certificates/{certificate_id}",
        fw.finance,
        status=404,
    )
