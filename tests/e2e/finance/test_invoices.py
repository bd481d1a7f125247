"""Issue 14: invoices (发票) for bills, issued through the tax port, red-lettered to cancel.

The container is built with an issuer the test can take down (the local
register behind it): a request while it is down stays pending, holding its
bills, and is issued on retry. Figures by hand: 250.00 at 6% is net 235.85
and tax 14.15 (250 x 0.06 / 1.06 = 14.1509...).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from application.finance.invoices import Draft, InvoiceIssueFailed
from bootstrap import Container, build
from infrastructure.invoicing import LocalInvoiceRegister
from infrastructure.settings import Settings
from tests.conftest import TEST_PASSWORDS
from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import Actor, FinanceWorld
from tests.e2e.finance.helpers import account, adopt_rate, bill, pay
from tests.support.clock import Clock

TAX_ID = "91310115MA1H7GXX3C"


class SwitchableIssuer:
    """The local register, unless the test has taken the tax system down."""

    def __init__(self) -> None:
        self.down = False
        self.register = LocalInvoiceRegister()

    def issue(self, draft: Draft) -> str:
        if self.down:
            raise InvoiceIssueFailed("税务系统连接超时 (tax platform timed out)")
        return self.register.issue(draft)


@pytest.fixture
def issuer() -> SwitchableIssuer:
    return SwitchableIssuer()


@pytest.fixture
def container(settings: Settings, clock: Clock, issuer: SwitchableIssuer) -> Iterator[Container]:
    c = build(settings, clock=clock, passwords=TEST_PASSWORDS, invoices=issuer)
    try:
        yield c
    finally:
        c.close()


def january_bills(fw: FinanceWorld) -> list[str]:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    return [account(fw, unit)["bills"][0]["id"] for unit in fw.units]


def ask(fw: FinanceWorld, unit: int, who: Actor | None = None, **body: Any) -> Any:
    return fw.post(f"/finance/units/{fw.units[unit]}/invoices", who or fw.finance, body)


def read(fw: FinanceWorld, invoice_id: str, who: Actor | None = None, status: int = 200) -> Any:
    head = fw.container.event_log.head()
    return fw.get(f"/finance/invoices/{invoice_id}", who or fw.finance, status, after=head).json()


def test_an_invoice_splits_its_total_and_a_bill_is_not_invoiced_twice(fw: FinanceWorld) -> None:
    bills = january_bills(fw)
    paid = pay(fw, fw.units[0], "250.00", "bank_transfer", "BANK-INV-1").json()["id"]
    created = ask(fw, 0, bill_ids=[bills[0]], amount="250.00", buyer_name="王小明")
    assert created.status_code == 201, created.text
    done = created.json()
    assert done["status"] == "issued" and len(done["number"]) == 20
    assert done["number"].startswith("26")
    row = read(fw, done["id"])
    assert (Decimal(row["total"]), Decimal(row["net"]), Decimal(row["tax"])) == (
        Decimal("250.00"),
        Decimal("235.85"),
        Decimal("14.15"),
    )
    assert (row["kind"], row["bills"], row["payment_ids"]) == (
        "normal",
        {bills[0]: "250.00"},
        [paid],
    )
    # A person's name: sealed in the log, masked where it is read (docs/personal-data.md).
    assert row["buyer_name"] == "王**"
    with fw.container.pool.connection() as conn:
        stored = b"".join(
            bytes(r[0]) for r in conn.execute("SELECT state FROM estatelog_events").fetchall()
        )
    assert "王小明".encode() not in stored
    head = fw.container.event_log.head()
    problem = assert_problem(ask(fw, 0, bill_ids=[bills[0]], amount="0.01"), 409)
    assert "allow 0.00" in problem["detail"], problem
    assert fw.container.event_log.head() == head
    # The owner reads their invoice; another unit's owner does not.
    assert read(fw, done["id"], fw.owners[0])["number"] == done["number"]
    read(fw, done["id"], fw.owners[1], status=404)


def test_a_red_letter_cancels_an_invoice_and_frees_its_bill(fw: FinanceWorld) -> None:
    bills = january_bills(fw)
    first = ask(fw, 0, bill_ids=[bills[0]], amount="250.00").json()
    path = f"/finance/invoices/{first['id']}/red-letter"
    red = fw.post(path, fw.finance, {"reason": "buyer asked for a special invoice"}, status=200)
    assert red.json()["status"] == "red_lettered"
    assert red.json()["number"] != first["number"]
    row = read(fw, first["id"])
    assert (row["status"], row["number"]) == ("red_lettered", first["number"])
    assert row["red_letter_number"] == red.json()["number"]
    assert_problem(fw.post(path, fw.finance, {"reason": "again"}), 409)
    special = ask(
        fw,
        0,
        kind="special",
        bill_ids=[bills[0]],
        amount="250.00",
        buyer_name="上海某某科技有限公司",
        buyer_tax_id=TAX_ID,
    )
    assert special.status_code == 201, special.text
    shown = read(fw, special.json()["id"])
    # A company's name stands in full, as on the invoice; it is no person's data.
    assert (shown["buyer_name"], shown["buyer_tax_id"]) == ("上海某某科技有限公司", TAX_ID)


def test_a_special_invoice_needs_the_buyers_tax_id(fw: FinanceWorld) -> None:
    bills = january_bills(fw)
    head = fw.container.event_log.head()
    body = {"kind": "special", "bill_ids": [bills[0]], "amount": "100.00"}
    assert_problem(ask(fw, 0, **body, buyer_name="某某公司"), 422)
    assert_problem(ask(fw, 0, **body, buyer_name="某某公司", buyer_tax_id="12345"), 422)
    assert_problem(
        ask(fw, 0, **body, buyer_name="某某公司", buyer_tax_id=TAX_ID, tax_rate="0"), 422
    )
    assert_problem(ask(fw, 0, bill_ids=[bills[1]], amount="10.00"), 422)  # unit 2's bill
    assert_problem(ask(fw, 0, bill_ids=[bills[0]], amount="10.00", tax_rate="0.05"), 422)
    assert fw.container.event_log.head() == head


def test_a_failed_issue_leaves_the_invoice_pending_holding_its_bill_until_retried(
    fw: FinanceWorld, issuer: SwitchableIssuer
) -> None:
    bills = january_bills(fw)  # unit 2: 80 m2 x 2.50 = 200.00
    issuer.down = True
    created = ask(fw, 1, bill_ids=[bills[1]], amount="100.00")
    assert created.status_code == 201, created.text
    assert (created.json()["status"], created.json()["number"]) == ("pending", None)
    row = read(fw, created.json()["id"])
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "timed out" in row["last_failure"]
    pending = fw.get("/finance/invoices?status=pending", fw.finance).json()
    assert [p["id"] for p in pending] == [created.json()["id"]]
    # The pending invoice holds its 100.00: 150.00 more is over the bill's 200.00.
    assert_problem(ask(fw, 1, bill_ids=[bills[1]], amount="150.00"), 409)
    retry = f"/finance/invoices/{created.json()['id']}/issue"
    assert fw.post(retry, fw.finance, None, status=200).json()["status"] == "pending"
    assert_problem(
        fw.post(
            f"/finance/invoices/{created.json()['id']}/red-letter", fw.finance, {"reason": "x"}
        ),
        409,
    )
    issuer.down = False
    issued = fw.post(retry, fw.finance, None, status=200).json()
    assert issued["status"] == "issued" and issued["number"]
    assert read(fw, created.json()["id"])["attempts"] == 2


def test_only_finance_of_the_estate_invoices(fw: FinanceWorld) -> None:
    bills = january_bills(fw)
    head = fw.container.event_log.head()
    body = {"bill_ids": [bills[0]], "amount": "10.00"}
    assert_problem(ask(fw, 0, fw.owners[0], **body), 403)
    assert_problem(ask(fw, 0, fw.auditor, **body), 403)
    assert_problem(ask(fw, 0, fw.other_finance, **body), 404)
    assert fw.container.event_log.head() == head
