"""Invoices: the tax split, the buyer rules, what a bill allows, and the lifecycle."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.invoices import RATES, Invoice, InvoicedBill, InvoiceKind, split_total

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)
TAX_ID = "91310115MA1H7GXX3C"


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2),
    st.sampled_from(RATES),
)
def test_net_and_tax_add_up_to_the_total_and_the_tax_is_within_half_a_fen(
    total: Decimal, rate: Decimal
) -> None:
    net, tax = split_total(total, rate)
    assert net + tax == total
    assert abs(net * rate - tax) <= Decimal("0.005") * (1 + rate)


def test_the_worked_figures() -> None:
    assert split_total(Decimal("250.00"), Decimal("0.06")) == (Decimal("235.85"), Decimal("14.15"))
    assert split_total(Decimal("103.00"), Decimal("0.03")) == (Decimal("100.00"), Decimal("3.00"))


def invoice(kind: InvoiceKind = InvoiceKind.NORMAL, **given: object) -> Invoice:
    fields: dict[str, object] = {
        "invoice_id": uuid4(),
        "estate_id": uuid4(),
        "unit_id": uuid4(),
        "kind": kind,
        "bills": {uuid4(): Decimal("100.00")},
        "payment_ids": [],
        "total": Decimal("100.00"),
        "tax_rate": Decimal("0.06"),
        "currency": "CNY",
        "buyer_name": "",
        "buyer_tax_id": None,
        "requested_by": uuid4(),
        "at": AT,
        "seal": lambda name: f"sealed({len(name)})",
    }
    return Invoice.request(**{**fields, **given})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "given",
    [
        {"kind": InvoiceKind.SPECIAL},
        {"kind": InvoiceKind.SPECIAL, "buyer_name": "某某公司", "buyer_tax_id": "1234"},
        {"kind": InvoiceKind.SPECIAL, "buyer_name": "", "buyer_tax_id": TAX_ID},
        {"total": Decimal("0")},
        {"total": Decimal("1.001")},
        {"tax_rate": Decimal("0.05")},
    ],
)
def test_what_an_invoice_refuses(given: dict[str, object]) -> None:
    with pytest.raises(ValidationFailed):
        invoice(**given)


def test_an_invoice_is_issued_once_then_red_lettered_once() -> None:
    invoice_id = uuid4()  # the bills it holds are held under this ID
    found = invoice(
        InvoiceKind.SPECIAL,
        invoice_id=invoice_id,
        buyer_name="某某公司",
        buyer_tax_id=TAX_ID.lower(),
    )
    assert found.id == invoice_id
    assert found.buyer_tax_id == TAX_ID
    # The name enters the log sealed: the event carries what ``seal`` made of it.
    requested = found.collect_events()[0]
    assert requested.buyer_name_enc == "sealed(4)" and "某某公司" not in repr(vars(requested))
    with pytest.raises(InvalidTransition):
        found.red_letter("R1", "wrong buyer", date(2026, 3, 1), uuid4(), AT)
    found.failed("timed out", AT)
    found.issue("2600000000000000001", date(2026, 3, 1), AT)
    assert (found.status, found.attempts) == ("issued", 1)
    with pytest.raises(InvalidTransition):
        found.issue("again", date(2026, 3, 1), AT)
    found.red_letter("R1", "wrong buyer", date(2026, 3, 2), uuid4(), AT)
    with pytest.raises(InvalidTransition):
        found.red_letter("R2", "again", date(2026, 3, 2), uuid4(), AT)


def test_a_bill_counts_what_invoices_hold_and_a_release_frees_it() -> None:
    held = InvoicedBill(bill_id=uuid4(), at=AT)
    first, second = uuid4(), uuid4()
    held.hold(first, Decimal("60.00"), AT)
    held.hold(second, Decimal("40.00"), AT)
    assert held.invoiced == Decimal("100.00")
    held.release(first, AT)
    held.release(first, AT)  # nothing more to free
    assert held.invoiced == Decimal("40.00")
