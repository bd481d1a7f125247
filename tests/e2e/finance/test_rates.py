"""Fee schedules through the HTTP API: rates and their approval, billing
terms, shared costs (公摊) and meter readings, and what the billing run reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from tests.e2e.api.test_object_scoping import assert_problem, make_user
from tests.e2e.finance.conftest import Actor, FinanceWorld

# 3 owners holding 300 m² in all (the registry's totals on the meeting day, when
# the units and their owners are on it); all took part, 2 owners with 220 m² for.
CARRIED = {
    "reference": "FIN-2026-01",
    "meeting_on": "2026-01-01",
    "total_area": "300.00",
    "total_owners": 3,
    "participating_area": "300.00",
    "participating_owners": 3,
    "area_for": "220.00",
    "owners_for": 2,
}


def path(fw: FinanceWorld, rest: str, estate: str | None = None) -> str:
    return f"/finance/estates/{estate or fw.estate_id}/{rest}"


@pytest.fixture
def clerk(fw: FinanceWorld) -> Actor:
    """A second finance clerk of the estate: proposes, so fw.finance may decide."""
    user_id, headers, _ = make_user(fw.client, fw.admin.headers, "finance.two", ["finance"])
    r = fw.client.post(
        f"/api/v1/users/{user_id}/estates",
        json={"estate_id": fw.estate_id},
        headers=fw.admin.headers,
    )
    assert r.status_code == 200, r.text
    return Actor(user_id, headers)


def propose(fw: FinanceWorld, who: Actor, **body: Any) -> Any:
    return fw.post(path(fw, "rate-changes"), who, body, status=201).json()


def approve_all(fw: FinanceWorld, approval_id: str) -> int:
    position = 0
    for decider in (fw.manager, fw.finance, fw.admin):
        r = fw.post(f"/approvals/{approval_id}/approve", decider, {"comment": "ok"}, status=200)
        position = r.json()["position"]
    return position


def adopt(fw: FinanceWorld, who: Actor, **body: Any) -> dict[str, Any]:
    created = propose(fw, who, **body)
    approve_all(fw, created["approval_id"])
    return created


def schedule(fw: FinanceWorld, who: Actor | None = None, **params: Any) -> dict[str, Any]:
    fw.settle("finance_rates")
    return fw.get(path(fw, "fee-schedule"), who or fw.finance, **params).json()  # type: ignore[no-any-return]


def in_force(fw: FinanceWorld, period: str) -> dict[str, Decimal]:
    rates = fw.container.finance.rates.rates_in_force(UUID(fw.estate_id), period)
    return {r.item: r.rate for r in rates}


FIRST_FEE = {
    "item": "property_fee",
    "rate": "2.5000",
    "effective_from": "2026-02-01",
    "contract_reference": "PSC-2025-007",
}


# ---- rates -------------------------------------------------------------------------


def test_a_first_rate_citing_the_contract_is_adopted_when_every_level_approves(
    fw: FinanceWorld, clerk: Actor
) -> None:
    created = propose(fw, clerk, **FIRST_FEE)
    assert {"id", "position", "approval_id"} <= set(created)
    fw.settle("approvals")
    approval = fw.get(f"/approvals/{created['approval_id']}", fw.finance).json()
    assert approval["kind"] == "rate_change"
    assert "property_fee" in approval["summary"] and "PSC-2025-007" in approval["summary"]
    assert "none -> 2.5000 CNY" in approval["summary"]
    assert in_force(fw, "2026-02") == {}
    pending = schedule(fw)["pending"]
    assert [c["id"] for c in pending] == [created["id"]]

    approve_all(fw, created["approval_id"])

    assert in_force(fw, "2026-02") == {"property_fee": Decimal("2.5000")}
    view = schedule(fw, period="2026-02")
    assert view["pending"] == []
    assert [(r["item"], r["rate"], r["basis"]) for r in view["in_force"]] == [
        ("property_fee", "2.5000", "gross")
    ]
    assert view["in_force_now"] == []  # January: not yet effective
    assert view["history"][0]["status"] == "adopted"


def test_a_change_of_an_adopted_rate_without_a_resolution_is_refused(
    fw: FinanceWorld, clerk: Actor
) -> None:
    adopt(fw, clerk, **FIRST_FEE)
    body = assert_problem(
        fw.post(
            path(fw, "rate-changes"),
            clerk,
            {**FIRST_FEE, "rate": "2.8000", "effective_from": "2026-04-01"},
        ),
        422,
    )
    assert "resolution" in body["detail"]


def test_a_first_rate_citing_nothing_is_refused(fw: FinanceWorld, clerk: Actor) -> None:
    body = {k: v for k, v in FIRST_FEE.items() if k != "contract_reference"}
    assert_problem(fw.post(path(fw, "rate-changes"), clerk, body), 422)


def test_a_resolution_short_of_quorum_and_majority_is_refused_naming_the_shortfalls(
    fw: FinanceWorld, clerk: Actor
) -> None:
    adopt(fw, clerk, **FIRST_FEE)
    short = {
        **CARRIED,
        "participating_area": "180.00",
        "participating_owners": 2,
        "area_for": "90.00",
        "owners_for": 1,
    }
    body = assert_problem(
        fw.post(
            path(fw, "rate-changes"),
            clerk,
            {
                "item": "property_fee",
                "rate": "2.8",
                "effective_from": "2026-04-01",
                "resolution": short,
            },
        ),
        422,
    )
    assert "two thirds of the area did not take part" in body["detail"]
    assert "not more than half of the participating area voted for" in body["detail"]


def test_rates_in_force_follow_effective_from(fw: FinanceWorld, clerk: Actor) -> None:
    first = adopt(fw, clerk, **FIRST_FEE)
    adopt(
        fw,
        clerk,
        item="property_fee",
        rate="2.8000",
        effective_from="2026-05-01",
        resolution=CARRIED,
    )
    adopt(
        fw,
        clerk,
        item="water",
        rate="3.4500",
        effective_from="2026-03-01",
        contract_reference="PSC-2025-007",
    )
    assert in_force(fw, "2026-01") == {}
    assert in_force(fw, "2026-02") == {"property_fee": Decimal("2.5000")}
    assert in_force(fw, "2026-04") == {"property_fee": Decimal("2.5"), "water": Decimal("3.45")}
    assert in_force(fw, "2026-05")["property_fee"] == Decimal("2.8")
    rates = fw.container.finance.rates.rates_in_force(UUID(fw.estate_id), "2026-03")
    fee = next(r for r in rates if r.item == "property_fee")
    assert fee.change_id == UUID(first["id"]) and fee.basis == "gross"
    water = next(r for r in rates if r.item == "water")
    assert water.basis == "usage" and water.currency == "CNY"
    fw.clock.set(2026, 6, 15)
    view = schedule(fw)
    assert view["current_period"] == "2026-06"
    assert {r["item"]: r["rate"] for r in view["in_force_now"]} == {
        "property_fee": "2.8000",
        "water": "3.4500",
    }


def test_a_second_pending_change_of_an_item_is_a_conflict(fw: FinanceWorld, clerk: Actor) -> None:
    propose(fw, clerk, **FIRST_FEE)
    assert_problem(fw.post(path(fw, "rate-changes"), clerk, {**FIRST_FEE, "rate": "3"}), 409)
    # another item is independent
    propose(
        fw, clerk, item="parking", rate="150", effective_from="2026-02-01", contract_reference="PSC"
    )


def test_a_rejected_change_keeps_the_old_rate(fw: FinanceWorld, clerk: Actor) -> None:
    adopt(fw, clerk, **FIRST_FEE)
    change = propose(
        fw, clerk, item="property_fee", rate="3.1", effective_from="2026-03-01", resolution=CARRIED
    )
    fw.post(f"/approvals/{change['approval_id']}/approve", fw.manager, status=200)
    fw.post(
        f"/approvals/{change['approval_id']}/reject",
        fw.finance,
        {"reason": "too steep"},
        status=200,
    )
    assert in_force(fw, "2026-03") == {"property_fee": Decimal("2.5")}
    view = schedule(fw, period="2026-03")
    assert [r["rate"] for r in view["in_force"]] == ["2.5000"]
    rejected = next(c for c in view["history"] if c["id"] == change["id"])
    assert (rejected["status"], rejected["outcome"]) == ("rejected", "rejected")
    # the item is free for a new proposal
    propose(
        fw, clerk, item="property_fee", rate="2.9", effective_from="2026-03-01", resolution=CARRIED
    )


def test_the_proposer_withdraws_a_pending_change(fw: FinanceWorld, clerk: Actor) -> None:
    change = propose(fw, clerk, **FIRST_FEE)
    withdrawal = path(fw, f"rate-changes/{change['id']}/withdrawal")
    assert_problem(fw.post(withdrawal, fw.finance, {"reason": "not mine"}), 403)
    fw.post(withdrawal, clerk, {"reason": "wrong month"}, status=200)
    view = schedule(fw)
    assert (view["history"][0]["status"], view["history"][0]["outcome"]) == (
        "rejected",
        "withdrawn",
    )
    assert_problem(
        fw.post(path(fw, f"rate-changes/{UUID(int=1)}/withdrawal"), clerk, {"reason": "x"}), 404
    )


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"rate": 2.5}, 422),  # a float
        ({"rate": "0"}, 422),
        ({"rate": "2.12345"}, 422),  # five places
        ({"effective_from": "2026-02-15"}, 422),  # not the 1st
        ({"effective_from": "2025-12-01"}, 422),  # before the current month
        ({"item": "shared_area"}, 422),  # no rate: split by area
        ({"basis": "usage"}, 422),  # not a basis of a per-area item
        ({"currency": "USD"}, 422),  # the estate bills in CNY
    ],
)
def test_malformed_rate_changes_are_refused(
    fw: FinanceWorld, clerk: Actor, change: dict[str, Any], status: int
) -> None:
    before = fw.container.event_log.head()
    assert_problem(fw.post(path(fw, "rate-changes"), clerk, {**FIRST_FEE, **change}), status)
    assert fw.container.event_log.head() == before


def test_only_the_estates_finance_staff_see_and_change_the_schedule(
    fw: FinanceWorld, clerk: Actor
) -> None:
    other = fw.other_finance
    assert_problem(fw.get(path(fw, "fee-schedule"), other, status=None), 404)
    assert_problem(fw.post(path(fw, "rate-changes"), other, FIRST_FEE), 404)
    assert_problem(
        fw.post(
            path(fw, "shared-costs"),
            other,
            {"period": "2026-01", "description": "x", "amount": "1"},
        ),
        404,
    )
    assert_problem(fw.get(path(fw, "meter-readings"), other, status=None, period="2026-01"), 404)
    owner = fw.owners[0]
    assert_problem(fw.get(path(fw, "fee-schedule"), owner, status=None), 403)
    assert_problem(fw.post(path(fw, "rate-changes"), owner, FIRST_FEE), 403)
    assert_problem(fw.get(path(fw, "shared-costs"), owner, status=None), 403)
    # the property manager reads but does not change; the auditor reads every estate
    fw.get(path(fw, "fee-schedule"), fw.manager)
    assert_problem(fw.post(path(fw, "rate-changes"), fw.manager, FIRST_FEE), 403)
    fw.get(path(fw, "fee-schedule"), fw.auditor)
    assert_problem(fw.get(path(fw, "fee-schedule", str(UUID(int=7))), fw.auditor, status=None), 404)


# ---- billing terms -----------------------------------------------------------------


def test_billing_terms_default_until_set_then_are_what_was_set(fw: FinanceWorld) -> None:
    rates = fw.container.finance.rates
    terms = rates.terms(UUID(fw.estate_id))
    # No contract terms, no late fee (decision 0022); payments settle by art. 561.
    assert (terms.due_days, terms.late_fee_daily_rate, terms.late_fee_cap_ratio) == (
        15,
        Decimal(0),
        Decimal(1),
    )
    assert schedule(fw)["terms"]["configured"] is False
    assert schedule(fw)["terms"]["settlement_order"] == "art_561"
    url = f"/api/v1{path(fw, 'billing-terms')}"
    body = {"due_days": 30, "late_fee_daily_rate": "0.0003", "late_fee_grace_days": 5}
    r = fw.client.put(url, json=body, headers=fw.finance.headers)
    assert r.status_code == 200, r.text
    terms = rates.terms(UUID(fw.estate_id))
    assert (terms.due_days, terms.late_fee_daily_rate, terms.late_fee_grace_days) == (
        30,
        Decimal("0.0003"),
        5,
    )
    view = schedule(fw)["terms"]
    assert view["configured"] is True and view["late_fee_daily_rate"] == "0.0003"
    for bad in ({"late_fee_daily_rate": 0.0005}, {"late_fee_daily_rate": "0.02"}, {"due_days": 0}):
        assert_problem(fw.client.put(url, json=bad, headers=fw.finance.headers), 422)
    assert_problem(fw.client.put(url, json=body, headers=fw.owners[0].headers), 403)


# ---- shared costs ------------------------------------------------------------------


def test_shared_costs_are_listed_by_period_and_withdrawn(fw: FinanceWorld) -> None:
    costs = path(fw, "shared-costs")
    lift = fw.post(
        costs,
        fw.finance,
        {"period": "2026-01", "description": "lift electricity", "amount": "600.00"},
        status=201,
    ).json()
    fw.post(
        costs,
        fw.finance,
        {
            "period": "2026-01",
            "item": "public_maintenance",
            "description": "corridor lights",
            "amount": "90.00",
            "basis": "internal",
        },
        status=201,
    )
    fw.post(
        costs,
        fw.finance,
        {"period": "2026-02", "description": "lift", "amount": "580.00"},
        status=201,
    )
    assert_problem(
        fw.post(costs, fw.finance, {"period": "2026-01", "description": "x", "amount": 1.5}), 422
    )
    assert_problem(
        fw.post(costs, fw.finance, {"period": "2026-01", "description": "x", "amount": "1.005"}),
        422,
    )
    assert_problem(
        fw.post(costs, fw.finance, {"period": "2026-13", "description": "x", "amount": "1"}), 422
    )

    rates = fw.container.finance.rates
    january = rates.shared_costs(UUID(fw.estate_id), "2026-01")
    assert sorted((c.item, c.amount, c.basis) for c in january) == [
        ("public_maintenance", Decimal("90.00"), "internal"),
        ("shared_area", Decimal("600.00"), "gross"),
    ]
    fw.settle("finance_rates")
    listed = fw.get(costs, fw.finance, period="2026-01").json()
    assert sorted(c["amount"] for c in listed) == ["600.00", "90.00"]

    withdrawal = path(fw, f"shared-costs/{lift['id']}/withdrawal")
    fw.post(withdrawal, fw.finance, {"reason": "billed twice"}, status=200)
    assert_problem(fw.post(withdrawal, fw.finance, {"reason": "again"}), 409)
    assert [c.amount for c in rates.shared_costs(UUID(fw.estate_id), "2026-01")] == [
        Decimal("90.00")
    ]
    fw.settle("finance_rates")
    listed = {c["id"]: c for c in fw.get(costs, fw.finance, period="2026-01").json()}
    assert listed[lift["id"]]["status"] == "withdrawn"
    assert listed[lift["id"]]["withdrawal_reason"] == "billed twice"
    assert len(fw.get(costs, fw.finance).json()) == 3
    assert_problem(
        fw.post(path(fw, f"shared-costs/{UUID(int=3)}/withdrawal"), fw.finance, {"reason": "x"}),
        404,
    )


# ---- meter readings ----------------------------------------------------------------


def read(fw: FinanceWorld, period: str, *rows: tuple[int, str, str, str], status: int = 200) -> Any:
    body = {
        "period": period,
        "readings": [
            {"unit_id": fw.units[u], "meter": m, "reading": v, "read_on": on}
            for u, m, v, on in rows
        ],
    }
    r = fw.post(path(fw, "meter-readings"), fw.finance, body)
    assert r.status_code == status, r.text
    return r.json()


def test_usage_is_the_difference_from_the_nearest_earlier_reading(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 4, 30)
    rates = fw.container.finance.rates
    estate = UUID(fw.estate_id)
    u0, u1 = UUID(fw.units[0]), UUID(fw.units[1])
    read(
        fw, "2026-01", (0, "water", "100.0", "2026-01-31"), (0, "electricity", "5000", "2026-01-31")
    )
    assert rates.usage(estate, "2026-01") == {}  # a baseline
    read(fw, "2026-02", (0, "water", "112.5", "2026-02-28"), (1, "water", "40", "2026-02-28"))
    # a later reading of the month replaces the earlier one
    read(fw, "2026-02", (0, "water", "113.0", "2026-03-01"))
    # March not read; April counts from February (water) and January (electricity)
    read(
        fw,
        "2026-04",
        (0, "water", "130", "2026-04-30"),
        (0, "electricity", "5321.5", "2026-04-30"),
        (1, "water", "41.25", "2026-04-30"),
    )
    assert rates.usage(estate, "2026-02") == {u0: {"water": Decimal("13.0")}}
    assert rates.usage(estate, "2026-04") == {
        u0: {"water": Decimal("17.0"), "electricity": Decimal("321.5")},
        u1: {"water": Decimal("1.25")},
    }
    fw.settle("finance_rates")
    view = fw.get(path(fw, "meter-readings"), fw.manager, period="2026-02").json()
    water = {(r["unit_id"], r["meter"]): r["reading"] for r in view["readings"]}
    assert water[(fw.units[0], "water")] == "113.0"
    assert {u["unit_id"]: u["water"] for u in view["usage"]} == {fw.units[0]: "13.0"}


def test_a_meter_never_runs_backwards(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 3, 31)
    read(fw, "2026-01", (1, "water", "100", "2026-01-31"))
    read(fw, "2026-03", (1, "water", "120", "2026-03-31"))
    before = fw.container.event_log.head()
    body = read(fw, "2026-02", (1, "water", "99.9", "2026-02-28"), status=422)
    assert fw.units[1] in body["detail"] and "below" in body["detail"]
    body = read(fw, "2026-02", (1, "water", "121", "2026-02-28"), status=422)
    assert fw.units[1] in body["detail"] and "above" in body["detail"]
    assert fw.container.event_log.head() == before
    read(fw, "2026-02", (1, "water", "110", "2026-02-28"))


def test_readings_must_be_of_the_estates_units_and_well_formed(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 2, 10)
    stranger = str(UUID(int=99))
    r = fw.post(
        path(fw, "meter-readings"),
        fw.finance,
        {
            "period": "2026-01",
            "readings": [
                {"unit_id": stranger, "meter": "water", "reading": "1", "read_on": "2026-01-31"}
            ],
        },
    )
    assert stranger in assert_problem(r, 422)["detail"]
    read(fw, "2026-01", (0, "heating", "1", "2026-01-31"), status=422)
    read(fw, "2026-01", (0, "water", "1", "2025-12-31"), status=422)  # before the month
    read(fw, "2026-01", (0, "water", "1", "2026-02-20"), status=422)  # in the future
    read(fw, "2026-01", (0, "water", "-1", "2026-01-31"), status=422)
    r = fw.post(
        path(fw, "meter-readings"),
        fw.finance,
        {
            "period": "2026-01",
            "readings": [
                {"unit_id": fw.units[0], "meter": "water", "reading": 1.5, "read_on": "2026-01-31"}
            ],
        },
    )
    assert_problem(r, 422)


def test_a_change_approved_by_pre_screening_is_adopted_in_the_same_save(
    fw: FinanceWorld, clerk: Actor
) -> None:
    policy = {
        "levels": [{"name": "manager", "role": "admin"}],
        "rules": [{"then": "approve", "types": ["parking"], "reason": "parking set by contract"}],
    }
    r = fw.client.put(
        "/api/v1/approval-policies/rate_change", json=policy, headers=fw.admin.headers
    )
    assert r.status_code == 200, r.text
    propose(
        fw, clerk, item="parking", rate="150", effective_from="2026-01-01", contract_reference="PSC"
    )
    assert in_force(fw, "2026-01") == {"parking": Decimal("150.0000")}
    propose(fw, clerk, **FIRST_FEE)  # not parking: waits for the manager level
    assert "property_fee" not in in_force(fw, "2026-02")
