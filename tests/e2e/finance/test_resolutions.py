"""Owners' resolutions counted against the registry (issue 14, defect 5).

The estate here is six units of 100.00, 80.00, 120.00, 95.50, 92.00 and
100.00 m² registered (gross) area, 587.50 m² in all, each with its own owner
since 2026-01-01: six owners. The minutes give the votes; the totals are the
registry's on the meeting day.

Civil Code art. 278 on these numbers: a quorum is owners holding at least
391.67 m² (2/3 of 587.50 is 391.666…) and at least 4 owners (2/3 of 6). A
vote of 450.00 m² and 5 owners taking part raises the fund (item 6) only if
owners holding at least 337.50 m² (3/4 of 450.00) and at least 4 owners
(3/4 of 5 is 3.75) vote for; an ordinary matter needs more than 225.00 m²
and more than 2.5 owners.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.test_fund import FUND, account, approve_all, deposit, fund_events, propose
from tests.e2e.registry.helpers import new_person, new_unit

# The example: minutes "of a 100 m², 3-owner estate", every owner for.
ANOTHER_ESTATE = {
    "reference": "OA-2026-01",
    "meeting_on": "2026-01-01",
    "total_area": "100.00",
    "total_owners": 3,
    "participating_area": "100.00",
    "participating_owners": 3,
    "area_for": "100.00",
    "owners_for": 3,
}
# 450.00 m² and 5 owners took part; owners holding 340.00 m², 4 of them, voted for.
RAISED = {
    "reference": "OA-2026-02",
    "meeting_on": "2026-01-01",
    "participating_area": "450.00",
    "participating_owners": 5,
    "area_for": "340.00",
    "owners_for": 4,
}


@pytest.fixture
def six(fw: FinanceWorld) -> FinanceWorld:
    """The finance world with three more units and owners: 587.50 m², 6 owners."""
    for number, gross in (("401", "95.50"), ("501", "92.00"), ("601", "100.00")):
        unit_id = new_unit(
            fw.client, fw.admin.headers, fw.building_id, number=number, gross=gross, internal="70"
        )[0]
        person_id, _ = new_person(fw.client, fw.admin.headers, fw.estate_id, name=f"Owner {number}")
        fw.post(
            f"/units/{unit_id}/move-in",
            fw.admin,
            {"person_id": person_id, "relation": "owner", "on": "2026-01-01"},
            status=200,
        )
        fw.units.append(unit_id)
    fw.settle("registry")
    return fw


def fund_everyone(fw: FinanceWorld) -> None:
    for unit in range(len(fw.units)):
        deposit(fw, unit, "1000.00").raise_for_status()


def test_a_vote_of_a_100_m2_3_owner_estate_does_not_pass_for_this_one(six: FinanceWorld) -> None:
    fund_everyone(six)
    body = assert_problem(propose(six, "500.00", resolution=ANOTHER_ESTATE), 422)
    assert "total_area" in body["detail"] and "587.50" in body["detail"]
    body = assert_problem(
        propose(six, "500.00", resolution={**ANOTHER_ESTATE, "total_area": "587.50"}), 422
    )
    assert "total_owners" in body["detail"] and "6" in body["detail"]

    # Without the typed totals the same votes are counted against the registry's.
    votes = {k: v for k, v in ANOTHER_ESTATE.items() if not k.startswith("total_")}
    body = assert_problem(propose(six, "500.00", resolution=votes), 422)
    assert "owners holding two thirds of the area did not take part" in body["detail"]
    assert "two thirds of the owners did not take part" in body["detail"]

    # A fee rate cites the same kind of vote, counted the same way.
    rate = {"item": "property_fee", "rate": "2.5", "effective_from": "2026-02-01"}
    r = six.post(
        f"/finance/estates/{six.estate_id}/rate-changes",
        six.finance,
        {**rate, "resolution": ANOTHER_ESTATE},
    )
    assert "total_area" in assert_problem(r, 422)["detail"]
    assert [e for e in fund_events(six) if e[0] == "FundSpending"] == []


def test_the_registry_totals_on_the_meeting_day_are_recorded(six: FinanceWorld) -> None:
    fund_everyone(six)
    # Before anyone moved in, the developer held every unit: one owner (art. 9 of
    # the judicial interpretation on building ownership).
    before_the_sales = {**RAISED, "meeting_on": "2025-12-20", "total_owners": 6}
    detail = assert_problem(propose(six, "500.00", resolution=before_the_sales), 422)["detail"]
    assert "total_owners: the registry has 1 on 2025-12-20" in detail

    r = propose(six, "500.00", resolution={**RAISED, "total_area": "587.50", "total_owners": 6})
    assert r.status_code == 201, r.text
    (proposed,) = [e[2] for e in fund_events(six) if e[1] == "Proposed"]
    vote = proposed["resolution"]
    assert (vote["total_area"], vote["total_owners"]) == (Decimal("587.50"), 6)


def test_a_top_up_needs_a_resolution_of_three_quarters(six: FinanceWorld) -> None:
    fund_everyone(six)
    stated = {**RAISED, "total_area": "587.50", "total_owners": 6}  # as the registry has it
    created = propose(six, "587.50", resolution=stated)
    assert created.status_code == 201, created.text
    approve_all(six, created.json()["approval_id"])
    path = f"{FUND}/spendings/{created.json()['id']}/disbursement"
    six.post(path, six.finance, {"reference": "PAY-1"}, status=200)
    assert account(six, 0).json()["balance"] == "900.00"  # 100.00 of 587.50 m²

    def top_up(resolution: dict[str, Any] | None) -> Any:
        return deposit(six, 0, "100.00", **({"resolution": resolution} if resolution else {}))

    assert "top-up" in assert_problem(top_up(None), 422)["detail"]
    # More than half carries spending the fund, not raising it: 300.00 of 450.00 m²
    # is under three quarters (337.50), 3 of 5 owners under 3.75.
    short = {**RAISED, "area_for": "300.00", "owners_for": 3}
    detail = assert_problem(top_up(short), 422)["detail"]
    assert "under three quarters of the participating area voted for" in detail
    assert "under three quarters of the participating owners voted for" in detail
    assert account(six, 0).json()["balance"] == "900.00"

    top_up(RAISED).raise_for_status()
    mine = account(six, 0).json()
    assert mine["balance"] == "1000.00"
    # The clerk and the auditor see the vote beside the money it raised.
    assert mine["movements"][-1]["resolution"]["reference"] == "OA-2026-02"
    assert mine["movements"][-1]["resolution"]["total_area"] == "587.50"
    (cited,) = [e[2] for e in fund_events(six) if e[1] == "ResolutionCited"]
    assert cited["resolution"]["reference"] == "OA-2026-02"
    assert (cited["resolution"]["total_area"], cited["resolution"]["total_owners"]) == (
        Decimal("587.50"),
        6,
    )


def test_owners_are_counted_on_the_meeting_day_each_once_the_unsold_as_one(
    fw: FinanceWorld,
) -> None:
    """Three units with an owner each since 2026-01-01; a fourth (50.00 m²) that
    owner 1 buys on 2026-02-01, unsold until then."""
    fw.clock.set(2026, 2, 15)
    fourth = new_unit(
        fw.client, fw.admin.headers, fw.building_id, number="701", gross="50.00", internal="40"
    )[0]
    fw.post(
        f"/units/{fourth}/move-in",
        fw.admin,
        {"person_id": fw.people[0], "relation": "owner", "on": "2026-02-01"},
        status=200,
    )
    fw.settle("registry")
    deposit(fw, 0, "1000.00").raise_for_status()

    def owners_on(day: str) -> str:
        vote = {**RAISED, "meeting_on": day, "total_area": "350.00", "total_owners": 99}
        detail: str = assert_problem(propose(fw, "100.00", resolution=vote), 422)["detail"]
        return detail

    # Before the sale: the three owners, and the developer for the unsold unit.
    assert "total_owners: the registry has 4 on 2026-01-10, not 99" in owners_on("2026-01-10")
    # After it: owner 1 holds two units and counts once.
    assert "total_owners: the registry has 3 on 2026-02-10, not 99" in owners_on("2026-02-10")


def test_a_vote_cannot_be_counted_before_its_meeting_is_held(six: FinanceWorld) -> None:
    """Issue 14, defect 5: a resolution dated after today is refused, naming the field,
    whichever command cites it, and nothing is recorded."""
    fund_everyone(six)
    six.clock.set(2026, 1, 9, 23, 59)
    before = fund_events(six)
    tomorrow = {**RAISED, "meeting_on": "2026-01-10"}

    detail = assert_problem(propose(six, "500.00", resolution=tomorrow), 422)["detail"]
    assert "meeting_on" in detail and "2026-01-10" in detail and "held" in detail
    top_up = deposit(six, 0, "100.00", resolution=tomorrow)
    assert "meeting_on" in assert_problem(top_up, 422)["detail"]
    rate = {"item": "property_fee", "rate": "2.5", "effective_from": "2026-02-01"}
    r = six.post(
        f"/finance/estates/{six.estate_id}/rate-changes",
        six.finance,
        {**rate, "resolution": tomorrow},
    )
    assert "meeting_on" in assert_problem(r, 422)["detail"]
    assert fund_events(six) == before

    # On the meeting day the same votes count.
    six.clock.set(2026, 1, 10, 18)
    r = propose(six, "500.00", resolution=tomorrow)
    assert r.status_code == 201, r.text
