"""Statements and their files name who and where beside the IDs (issue 16, "People by
name"; decision 0053), through the HTTP API on PostgreSQL.

王小明 co-owns unit 101 of Finance Garden with Owner 1 from 1 January, and logs in
as ``wang.xm``. January is billed (2.50 per m² gross) and 3,000.00 is deposited in
the maintenance fund for 101. Staff and auditors read the names masked (王**,
O**** *), 王小明 reads his own in clear, and once his personal data is erased every
document, an old one drawn again included, names him "erased person". PDFs print
with the shipped CJK font, as on a fresh machine.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from domain.identity.masking import mask_name
from infrastructure.reports import restore_code_points
from projections.naming import ERASED_PERSON
from tests.e2e.api.test_object_scoping import make_user
from tests.e2e.finance.conftest import Actor, FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill, pay
from tests.e2e.registry.helpers import new_person

WANG, WANG_MASKED = "王小明", "王**"
OWNER_1_MASKED = "O**** *"
ESTATE = "Finance Garden"


@dataclass
class Named:
    fw: FinanceWorld
    wang: str  # the person
    login: Actor  # his login


@pytest.fixture
def named(fw: FinanceWorld) -> Named:
    assert fw.container.settings.pdf_font == "auto"  # the shipped font, as on a fresh machine
    user_id, headers, _ = make_user(fw.client, fw.admin.headers, "wang.xm", ["owner"])
    wang, _ = new_person(fw.client, fw.admin.headers, fw.estate_id, name=WANG, user_id=user_id)
    body = {"person_id": wang, "relation": "owner", "on": "2026-01-01", "co_owner": True}
    fw.post(f"/units/{fw.units[0]}/move-in", fw.admin, body, status=200)
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 1, 2, 8)
    bill(fw, "2026-01")
    deposit = {
        "unit_id": fw.units[0],
        "amount": "3000.00",
        "currency": "CNY",
        "method": "bank_transfer",
        "reference": "FUND-0101",
        "booked_on": "2026-01-02",
    }
    fw.post("/finance/fund/deposits", fw.finance, deposit, status=201)
    fw.settle("finance_ledger")
    return Named(fw, wang, Actor(user_id, headers))


def _erase(n: Named) -> None:
    path = f"/people/{n.wang}/erasure"
    n.fw.post(path, n.fw.admin, {"reason": "he asked (PIPL art. 47)"}, status=200)
    n.fw.settle("registry")


def _statement(n: Named, kind: str, fmt: str = "json", **params: Any) -> Any:
    head = n.fw.container.event_log.head()
    path = f"/finance/statements/{kind}"
    return n.fw.get(path, n.fw.auditor, estate_id=n.fw.estate_id, after=head, format=fmt, **params)


def _unit_statement(n: Named, who: Actor, fmt: str = "json") -> Any:
    head = n.fw.container.event_log.head()
    return n.fw.get(f"/finance/units/{n.fw.units[0]}/statement", who, after=head, format=fmt)


def _pdf(response: Any) -> str:
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata is not None
    assert str(reader.metadata.producer).endswith("(NotoSansSC-GBK.ttf)")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "[U+" not in text and "?" not in text  # printed, not transliterated
    return restore_code_points(text)


def _xlsx(response: Any) -> set[str]:
    book = load_workbook(io.BytesIO(response.content))
    return {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row}


def _aging(n: Named) -> dict[str, Any]:
    return _statement(n, "receivables-aging", at="2026-01-31").json()  # type: ignore[no-any-return]


def test_the_aging_names_estate_unit_and_debtors_masked_and_an_erased_debtor_so(
    named: Named,
) -> None:
    n, fw = named, named.fw
    aging = _aging(n)
    assert aging["estates"] == [{"estate_id": fw.estate_id, "estate_name": ESTATE}]
    [shared] = [b for b in aging["bills"] if b["unit_id"] == fw.units[0]]
    assert (shared["estate_name"], shared["unit_number"]) == (ESTATE, "101")
    names = dict(zip(shared["payer_ids"], shared["payer_names"], strict=True))
    assert names == {fw.people[0]: OWNER_1_MASKED, n.wang: WANG_MASKED}  # IDs kept beside
    [debtor] = [d for d in aging["debtors"] if d["unit_id"] == fw.units[0]]
    assert dict(zip(debtor["payer_ids"], debtor["payer_names"], strict=True)) == names
    assert {(u["unit_number"], u["estate_name"]) for u in aging["units"]} == {
        ("101", ESTATE),
        ("201", ESTATE),
        ("301", ESTATE),
    }

    pdf = _pdf(_statement(n, "receivables-aging", "pdf", at="2026-01-31"))
    for expected in ("应收账款账龄分析", ESTATE, "101", "201", WANG_MASKED, OWNER_1_MASKED):
        assert expected in pdf, expected
    assert fw.estate_id not in pdf and n.wang not in pdf and WANG not in pdf
    cells = _xlsx(_statement(n, "receivables-aging", "xlsx", at="2026-01-31"))
    assert {ESTATE, "101"} <= cells
    assert any(WANG_MASKED in c for c in cells) and not any(WANG in c for c in cells)

    _erase(n)
    after = _aging(n)
    [shared] = [b for b in after["bills"] if b["unit_id"] == fw.units[0]]
    assert dict(zip(shared["payer_ids"], shared["payer_names"], strict=True)) == {
        fw.people[0]: OWNER_1_MASKED,
        n.wang: ERASED_PERSON,
    }
    pdf = _pdf(_statement(n, "receivables-aging", "pdf", at="2026-01-31"))
    assert ERASED_PERSON in pdf and WANG_MASKED not in pdf
    cells = _xlsx(_statement(n, "receivables-aging", "xlsx", at="2026-01-31"))
    assert any(ERASED_PERSON in c for c in cells) and not any(WANG_MASKED in c for c in cells)


def test_the_fund_statement_names_each_unit_and_the_estate_covered(named: Named) -> None:
    n, fw = named, named.fw
    fund = _statement(n, "fund", **{"from": "2026-01-01", "to": "2026-01-31"}).json()
    [unit] = fund["units"]
    assert (unit["unit_id"], unit["estate_name"], unit["unit_number"]) == (
        fw.units[0],
        ESTATE,
        "101",
    )
    assert fund["estates"] == [{"estate_id": fw.estate_id, "estate_name": ESTATE}]

    dates = {"from": "2026-01-01", "to": "2026-01-31"}
    pdf = _pdf(_statement(n, "fund", "pdf", **dates))
    assert "专项维修资金分户账" in pdf and f"项目 {ESTATE}" in pdf and "101" in pdf
    assert fw.estate_id not in pdf and fw.units[0] not in pdf
    cells = _xlsx(_statement(n, "fund", "xlsx", **dates))
    assert {ESTATE, "101", "项目", "房号"} <= cells and fw.units[0] not in cells
    # Every statement names the estates it covers, not their IDs.
    trial = _pdf(_statement(n, "trial-balance", "pdf", **dates))
    assert f"项目 {ESTATE}" in trial and fw.estate_id not in trial


def test_the_unit_statement_names_its_place_and_owners_in_clear_only_for_themselves(
    named: Named,
) -> None:
    n, fw = named, named.fw
    staff = _unit_statement(n, fw.finance).json()
    assert (staff["estate_name"], staff["building"], staff["unit_number"]) == (
        ESTATE,
        "Building B1",
        "101",
    )
    assert {o["person_id"]: o["name"] for o in staff["owners"]} == {
        fw.people[0]: OWNER_1_MASKED,
        n.wang: WANG_MASKED,
    }
    own = _unit_statement(n, n.login).json()
    assert {o["person_id"]: o["name"] for o in own["owners"]} == {
        fw.people[0]: OWNER_1_MASKED,  # his co-owner's name stays masked to him
        n.wang: WANG,
    }

    printed = _pdf(_unit_statement(n, fw.finance, "pdf"))
    for expected in ("业主对账单", f"项目 {ESTATE}", "楼栋 Building B1", "房号 101", WANG_MASKED):
        assert expected in printed, expected
    assert WANG not in printed and fw.units[0] not in printed
    assert WANG in _pdf(_unit_statement(n, n.login, "pdf"))

    _erase(n)
    for who in (fw.finance, n.login):
        after = _unit_statement(n, who).json()
        assert {o["person_id"]: o["name"] for o in after["owners"]}[n.wang] == ERASED_PERSON
        printed = _pdf(_unit_statement(n, who, "pdf"))
        assert ERASED_PERSON in printed and WANG_MASKED not in printed and WANG not in printed


def test_the_owner_statement_and_certificate_name_the_erased_and_the_issuer(
    named: Named,
) -> None:
    n, fw = named, named.fw
    path = f"/finance/units/{fw.units[0]}/owners/{n.wang}/statement"
    _erase(n)
    head = fw.container.event_log.head()
    assert fw.get(path, fw.finance, after=head).json()["name"] == ERASED_PERSON
    printed = _pdf(fw.get(path, fw.finance, after=head, format="pdf"))
    assert f"业主 {ERASED_PERSON}" in printed and WANG_MASKED not in printed

    # Owner 3 owes nothing once paid: the certificate names the clerk who issued it,
    # masked as the user directory shows him.
    owner_3 = fw.people[2]
    assert pay(fw, fw.units[2], "300.00").status_code == 201
    fw.settle("finance_accounts")
    certify = f"/finance/units/{fw.units[2]}/owners/{owner_3}/clearance-certificates"
    issued = fw.client.post(
        f"/api/v1{certify}", params={"format": "pdf"}, json={}, headers=fw.finance.headers
    )
    assert issued.status_code == 201, issued.text
    certificate = _pdf(issued)
    clerk = mask_name("Finance.Clerk")
    assert f"签发人 {clerk}" in certificate and "Finance.Clerk" not in certificate
    assert "业主 Owner 3" in certificate  # the staff who issue it print the name in clear
    assert f"项目 {ESTATE}" in certificate and "房号 301" in certificate


def test_a_receipt_names_its_payer_masked_and_an_erased_payer_so(named: Named) -> None:
    n, fw = named, named.fw
    paid = pay(fw, fw.units[0], "100.00", payer_id=n.wang)
    fw.settle("finance_receipts")
    path = f"/finance/payments/{paid.json()['id']}/receipt"
    receipt = fw.get(path, fw.finance).json()
    assert (receipt["payer_id"], receipt["payer_name"]) == (n.wang, WANG_MASKED)
    book = fw.get("/finance/receipts", fw.auditor, unit_id=fw.units[0]).json()
    assert {r["payer_name"] for r in book if r["payer_id"] == n.wang} == {WANG_MASKED}

    _erase(n)
    for who in (fw.finance, fw.auditor):
        assert fw.get(path, who).json()["payer_name"] == ERASED_PERSON
