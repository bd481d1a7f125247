"""Malformed finance input answers 4xx problem+json and records nothing (issue 12 §3)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from domain.errors import ValidationFailed
from domain.finance.periods import check_period
from interfaces.http.schemas import Amount, Period
from tests.e2e.api.test_errors import problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.test_expenses import vendor

# Arabic-Indic, Persian, full-width and Devanagari digits, and forms Decimal also reads.
NON_ASCII_DIGITS = [
    "\u0661\u0662\u0663",
    "\u06f1\u06f2\u06f3",
    "\uff11\uff12\uff13",
    "\u0967\u0968\u0969",
    "12.\u0665",
    "1e3",
    " 12",
    "1_000",
    "+12",
]


def _head(fw: FinanceWorld) -> int:
    return fw.container.event_log.head()


@pytest.mark.parametrize(
    "period", ["0000-01", "1899-12", "3000-01", "\u0662\u0660\u0662\u0666-01", "2026-1"]
)
def test_a_fee_schedule_for_a_month_out_of_range_is_a_422_not_a_500(
    fw: FinanceWorld, period: str
) -> None:
    response = fw.get(
        f"/finance/estates/{fw.estate_id}/fee-schedule", fw.finance, status=None, period=period
    )
    problem(response, 422)


def test_a_billing_run_for_the_year_zero_is_refused_and_records_nothing(fw: FinanceWorld) -> None:
    head = _head(fw)
    response = fw.post(
        f"/finance/estates/{fw.estate_id}/billing-runs", fw.finance, {"period": "0000-01"}
    )
    body = problem(response, 422)
    assert any(e["loc"][-1] == "period" for e in body["errors"]), body
    assert _head(fw) == head


def test_every_period_parameter_refuses_the_year_zero(fw: FinanceWorld) -> None:
    # The siblings of the fee schedule: every query and path that names a month.
    for path in (
        f"/finance/estates/{fw.estate_id}/shared-costs?period=0000-01",
        f"/finance/estates/{fw.estate_id}/meter-readings?period=0000-01",
        "/finance/bills?period=0000-01",
    ):
        problem(fw.client.get(f"/api/v1{path}", headers=fw.finance.headers), 422)
    closing = fw.post(f"/finance/estates/{fw.estate_id}/periods/0000-01/close", fw.admin)
    problem(closing, 422)


@given(st.from_regex(r"[0-9]{4}-(0[1-9]|1[0-2])", fullmatch=True))
def test_the_http_period_and_the_domain_agree(period: str) -> None:
    try:
        check_period(period)
    except ValidationFailed:
        with pytest.raises(ValidationError):
            TypeAdapter(Period).validate_python(period)
    else:
        assert TypeAdapter(Period).validate_python(period) == period


def test_a_vendor_patch_with_null_categories_is_a_422_naming_the_field(fw: FinanceWorld) -> None:
    vendor_id = vendor(fw)
    head = _head(fw)
    response = fw.client.patch(
        f"/api/v1/finance/vendors/{vendor_id}",
        json={"categories": None},
        headers=fw.admin.headers,
    )
    body = problem(response, 422)
    assert "categories" in str(body["errors"])
    for field in ("name", "bank_account"):
        response = fw.client.patch(
            f"/api/v1/finance/vendors/{vendor_id}", json={field: None}, headers=fw.admin.headers
        )
        problem(response, 422)
    assert _head(fw) == head
    # What may be cleared still is.
    cleared = fw.client.patch(
        f"/api/v1/finance/vendors/{vendor_id}", json={"contact": None}, headers=fw.admin.headers
    )
    assert cleared.status_code == 200, cleared.text


@pytest.mark.parametrize("amount", NON_ASCII_DIGITS)
def test_a_payment_written_with_other_digits_is_refused_not_read_as_a_number(
    fw: FinanceWorld, amount: str
) -> None:
    head = _head(fw)
    response = fw.post(
        f"/finance/units/{fw.units[0]}/payments",
        fw.finance,
        {"amount": amount, "method": "cash"},
    )
    body = problem(response, 422)
    assert any(e["loc"][-1] == "amount" for e in body["errors"]), body
    assert _head(fw) == head


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=6))
def test_an_amount_reads_only_ascii_digits(digits: str) -> None:
    adapter = TypeAdapter(Amount)
    if digits.isascii():
        assert adapter.validate_python(digits) == int(digits)
    else:
        with pytest.raises(ValidationError):
            adapter.validate_python(digits)


def test_a_ledger_read_as_of_a_position_beyond_the_head_answers_at_once(
    fw: FinanceWorld,
) -> None:
    head = _head(fw)
    response = fw.get(
        "/finance/ledger/journal",
        fw.admin,
        status=None,
        estate_id=fw.estate_id,
        as_of_position=head + 1000,
    )
    body = problem(response, 422)
    assert body["head"] == head


def test_an_owner_count_too_large_for_an_event_is_a_422_not_a_500(fw: FinanceWorld) -> None:
    huge = 10**30  # more than orjson writes into an event, or PostgreSQL's bigint holds
    resolution = {
        "reference": "AGM-2026",
        "meeting_on": "2026-01-01",
        "total_area": "300.00",
        "total_owners": huge,
        "participating_area": "300.00",
        "participating_owners": huge,
        "area_for": "300.00",
        "owners_for": huge,
    }
    head = _head(fw)
    response = fw.post(
        f"/finance/estates/{fw.estate_id}/rate-changes",
        fw.finance,
        {
            "item": "property_fee",
            "rate": "2.5",
            "effective_from": "2026-02-01",
            "resolution": resolution,
        },
    )
    body = problem(response, 422)
    assert {e["loc"][-1] for e in body["errors"]} >= {"total_owners", "owners_for"}
    assert _head(fw) == head


def _money_routes(fw: FinanceWorld) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each route whose command carries one ``Money``, with a body valid but for it."""
    return {
        "payment": (f"/finance/units/{fw.units[0]}/payments", {"method": "cash"}),
        "fund deposit": (
            "/finance/fund/deposits",
            {"unit_id": fw.units[0], "method": "bank_transfer", "reference": "DEP-1"},
        ),
        "shared cost": (
            f"/finance/estates/{fw.estate_id}/shared-costs",
            {"period": "2026-01", "description": "lift power"},
        ),
        "expense claim": (
            "/finance/expenses",
            {
                "estate_id": fw.estate_id,
                "vendor_id": vendor(fw),
                "category": "repairs",
                "description": "lift door",
                "incurred_on": "2026-03-01",
                "invoice_ref": "INV-1",
            },
        ),
    }


@pytest.mark.parametrize("route", ["payment", "fund deposit", "shared cost", "expense claim"])
@pytest.mark.parametrize(
    ("money", "detail"),
    [
        ({"amount": "10.005"}, "amount: CNY has 2 decimal places, got 10.005"),
        ({"amount": "10.00", "currency": "XYZ"}, "currency: 'XYZ' is not one of CNY"),
    ],
)
def test_money_the_books_cannot_hold_is_refused_as_the_domain_words_it(
    fw: FinanceWorld, route: str, money: dict[str, str], detail: str
) -> None:
    # The route builds the command's Money from amount and currency: what
    # Money refuses is the domain's ValidationFailed, a 422 with its words.
    path, body = _money_routes(fw)[route]
    head = _head(fw)
    refused = problem(fw.post(path, fw.finance, {**body, **money}), 422)
    assert refused["detail"].startswith(detail), refused
    assert _head(fw) == head


@pytest.mark.parametrize("route", ["payment", "fund deposit", "shared cost", "expense claim"])
def test_money_sent_as_a_float_is_refused_naming_the_amount(fw: FinanceWorld, route: str) -> None:
    path, body = _money_routes(fw)[route]
    head = _head(fw)
    refused = problem(fw.post(path, fw.finance, {**body, "amount": 10.5}), 422)
    assert any(e["loc"][-1] == "amount" for e in refused["errors"]), refused
    assert _head(fw) == head
