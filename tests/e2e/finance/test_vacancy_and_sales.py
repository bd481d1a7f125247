"""Who pays for which days of a month: a mid-month sale splits the month's fee
to the fen (issue 14, defect 10), and a vacant unit's days and share of shared
costs go to the party the estate names (空置房, issue 14, defect 7)."""

from __future__ import annotations

from decimal import Decimal

from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill
from tests.e2e.registry.helpers import new_person


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
