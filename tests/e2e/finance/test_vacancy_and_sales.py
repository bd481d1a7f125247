"""Who pays for which days of a month: a mid-month sale splits the month's fee
to the fen (issue 14, defect 10), and a vacant unit's days and share of shared
costs go to the party the estate names (空置房, issue 14, defect 7)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill
from tests.e2e.registry.helpers import new_person, new_unit


def _bills(fw: FinanceWorld, period: str) -> list[dict[str, Any]]:
    head = fw.container.event_log.head()
    found = fw.get("/finance/bills", fw.finance, estate_id=fw.estate_id, period=period, after=head)
    return found.json()  # type: ignore[no-any-return]


def _shared(bill: dict[str, Any]) -> Decimal:
    return sum(
        (Decimal(line["amount"]) for line in bill["lines"] if line["item"] == "shared_area"),
        Decimal(0),
    )


def test_a_mid_month_sale_splits_the_months_fee_to_the_fen(fw: FinanceWorld) -> None:
    # 80 m2 x 2.5001 = 200.008, a month's fee of 200.01. Split 18/31 and 13/31
    # and rounded one by one it comes to 116.13 + 83.87 = 200.00: a fen lost.
    adopt_rate(fw, "property_fee", "2.5001", basis="gross")
    buyer, _ = new_person(fw.client, fw.admin.headers, fw.estate_id, name="Buyer")
    fw.post(
        f"/units/{fw.units[1]}/ownership-transfers",
        fw.admin,
        {"new_owner_ids": [buyer], "on": "2026-01-19"},
        status=200,
    )
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    head = fw.container.event_log.head()
    bills = fw.get("/finance/bills", fw.finance, estate_id=fw.estate_id, after=head).json()
    seller, bought = sorted(
        (b for b in bills if b["unit_id"] == fw.units[1]), key=lambda b: -b["days"]
    )
    assert (seller["days"], bought["days"]) == (18, 13)
    assert Decimal(seller["principal"]) + Decimal(bought["principal"]) == Decimal("200.01")
    # The fen left over goes to the larger remainder (13/31 of 200.01 = 83.8752).
    assert (Decimal(seller["principal"]), Decimal(bought["principal"])) == (
        Decimal("116.13"),
        Decimal("83.88"),
    )
    # The owner who kept the unit all month pays the month's fee, rounded once.
    whole = [b for b in bills if b["unit_id"] == fw.units[0]]
    assert [Decimal(b["principal"]) for b in whole] == [Decimal("250.01")]


def test_a_vacant_unit_is_billed_to_the_party_the_estate_names(fw: FinanceWorld) -> None:
    # A fourth unit of 100 m2 the developer has not sold: vacant (空置房).
    vacant, _ = new_unit(
        fw.client, fw.admin.headers, fw.building_id, number="401", gross="100.00", internal="80.00"
    )
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.post(
        f"/finance/estates/{fw.estate_id}/shared-costs",
        fw.finance,
        {"period": "2026-01", "item": "shared_area", "description": "lift power", "amount": "400"},
        status=201,
    )
    fw.settle("registry")
    fw.clock.set(2026, 2, 1, 9)
    runs = f"/finance/estates/{fw.estate_id}/billing-runs"

    # No one named: the run is refused, naming the vacant unit, and records nothing.
    head = fw.container.event_log.head()
    refused = assert_problem(fw.post(runs, fw.finance, {"period": "2026-01"}), 409)
    assert vacant in refused["detail"] and "vacancy-payer" in refused["detail"]
    assert fw.container.event_log.head() == head
    schedule = fw.get(f"/finance/estates/{fw.estate_id}/fee-schedule", fw.auditor).json()
    assert schedule["vacancy_payer_id"] is None

    payer = f"/finance/estates/{fw.estate_id}/vacancy-payer"
    stranger, _ = new_person(fw.client, fw.admin.headers, fw.other_estate_id, name="Elsewhere")
    assert_problem(
        fw.client.put(f"/api/v1{payer}", json={"person_id": stranger}, headers=fw.finance.headers),
        422,
    )
    developer, _ = new_person(fw.client, fw.admin.headers, fw.estate_id, name="Garden Developer")
    assert_problem(
        fw.client.put(
            f"/api/v1{payer}", json={"person_id": developer}, headers=fw.owners[0].headers
        ),
        403,
    )
    named = fw.client.put(
        f"/api/v1{payer}", json={"person_id": developer}, headers=fw.finance.headers
    )
    assert named.status_code == 200, named.text
    schedule = fw.get(f"/finance/estates/{fw.estate_id}/fee-schedule", fw.auditor).json()
    assert schedule["vacancy_payer_id"] == developer

    run = bill(fw, "2026-01")
    assert (run["bills"], run["units_billed"], run["units_skipped"]) == (4, 4, 0)
    bills = _bills(fw, "2026-01")
    [dev_bill] = [b for b in bills if b["unit_id"] == vacant]
    assert dev_bill["payer_ids"] == [developer] and dev_bill["days"] == 31
    # 400.00 of lift power over 400 m2: the vacant unit's 100 m2 share is the
    # developer's, so the three owners pay 100 + 80 + 120 of it, not all 400.
    assert _shared(dev_bill) == Decimal("100.00")
    assert Decimal(dev_bill["principal"]) == Decimal("350.00")  # 100 m2 x 2.50 + 100.00
    owners = [b for b in bills if b["unit_id"] != vacant]
    assert sorted(_shared(b) for b in owners) == [Decimal(80), Decimal(100), Decimal(120)]

    # Sold on 15 February: the developer pays 14 days, the buyer 14, the month's
    # fee to the fen between them.
    buyer, _ = new_person(fw.client, fw.admin.headers, fw.estate_id, name="Buyer")
    moved = fw.client.post(
        f"/api/v1/units/{vacant}/move-in",
        json={"person_id": buyer, "relation": "owner", "on": "2026-02-15"},
        headers=fw.admin.headers,
    )
    assert moved.status_code == 200, moved.text
    fw.settle("registry")
    fw.clock.set(2026, 3, 1, 9)
    bill(fw, "2026-02")
    mine = sorted(
        (b for b in _bills(fw, "2026-02") if b["unit_id"] == vacant),
        key=lambda b: b["days"] if b["payer_ids"] == [developer] else 99,
    )
    assert [(b["payer_ids"], b["days"]) for b in mine] == [([developer], 14), ([buyer], 14)]
    assert sum(Decimal(b["principal"]) for b in mine) == Decimal("250.00")
