"""The maintenance fund's first deposit (首期交存) per m² of gross area, through the HTTP API.

Units 101, 201, 301 of building B1 (100, 80 and 120 m² gross; the world of
conftest); owners[i] owns units[i]. The estate's rule is 48.00 per m² unless a
test says otherwise: 4,800.00, 3,840.00 and 5,760.00 due.
"""

from __future__ import annotations

from typing import Any

from projections.events import kind_of, payload_of
from tests.e2e.finance.conftest import Actor, FinanceWorld
from tests.e2e.finance.test_fund import RAISED, account, deposit
from tests.e2e.registry.helpers import new_building, new_unit

RULE = "/finance/estates/{estate}/fund/first-deposit-rule"
ASSESS = "/finance/estates/{estate}/fund/first-deposit-assessments"
LIST = "/finance/estates/{estate}/fund/first-deposits"
CITED = "京建法〔2023〕12号"  # noqa: RUF001 - the brackets of a Chinese document number


def set_rule(fw: FinanceWorld, rate: str = "48.00", who: Actor | None = None, **more: Any) -> Any:
    body = {"rate": rate, "reference": CITED, "effective_on": "2026-01-01", **more}
    path = RULE.format(estate=fw.estate_id)
    return fw.client.put(f"/api/v1{path}", json=body, headers=(who or fw.finance).headers)


def assess(fw: FinanceWorld, who: Actor | None = None, status: int | None = 200) -> Any:
    fw.settle("registry")
    return fw.post(ASSESS.format(estate=fw.estate_id), who or fw.finance, None, status)


def unpaid(fw: FinanceWorld, who: Actor | None = None, expect: int = 200, **params: Any) -> Any:
    """The unpaid list (未交清单); ``status`` filters it (a query parameter, so the
    world's ``get`` is not used: its own ``status`` is the answer expected)."""
    fw.settle("finance_fund_first_deposit")
    path = f"/api/v1{LIST.format(estate=fw.estate_id)}"
    r = fw.client.get(path, params=params, headers=(who or fw.finance).headers)
    assert r.status_code == expect, r.text
    return r


def test_the_rule_is_set_and_read_and_a_revision_takes_effect_on_its_own_day(
    fw: FinanceWorld,
) -> None:
    b2, _ = new_building(fw.client, fw.admin.headers, fw.estate_id, code="B2")
    r = set_rule(fw, building_rates={b2: "60.00"})
    assert r.status_code == 200, r.text
    fw.settle("finance_fund_first_deposit")
    path = RULE.format(estate=fw.estate_id)
    seen = fw.get(path, fw.finance).json()
    assert (seen["in_force"]["rate"], seen["in_force"]["currency"]) == ("48.00", "CNY")
    assert seen["in_force"]["reference"] == CITED
    assert seen["in_force"]["building_rates"] == {b2: "60.00"}
    assert fw.get(path, fw.auditor).json()["in_force"]["rate"] == "48.00"

    # A revision from 1 March: the rule of 1 January stays in force until then.
    set_rule(fw, "52.00", effective_on="2026-03-01").raise_for_status()
    fw.settle("finance_fund_first_deposit")
    seen = fw.get(path, fw.finance).json()
    assert seen["in_force"]["rate"] == "48.00"
    assert [(r["effective_on"], r["rate"]) for r in seen["rules"]] == [
        ("2026-01-01", "48.00"),
        ("2026-03-01", "52.00"),
    ]
    fw.clock.set(2026, 3, 1)
    assert fw.get(path, fw.finance).json()["in_force"]["rate"] == "52.00"

    other, _ = new_building(fw.client, fw.admin.headers, fw.other_estate_id, code="X1")
    head = fw.container.event_log.head()
    assert set_rule(fw, "53.00", effective_on="2026-03-01").status_code == 409
    assert set_rule(fw, "0.00", effective_on="2026-04-01").status_code == 422
    assert set_rule(fw, 48.5, effective_on="2026-04-01").status_code == 422
    assert set_rule(fw, "48.001", effective_on="2026-04-01").status_code == 422
    assert set_rule(fw, "48.00", effective_on="2026-04-01", reference="").status_code == 422
    stranger = set_rule(fw, effective_on="2026-04-01", building_rates={other: "60.00"})
    assert stranger.status_code == 422 and other in stranger.text
    assert set_rule(fw, effective_on="2026-04-01", who=fw.owners[0]).status_code == 403
    assert set_rule(fw, effective_on="2026-04-01", who=fw.other_finance).status_code == 404
    assert fw.container.event_log.head() == head
    fw.get(path, fw.owners[0], 404)  # staff and auditors only
    fw.get(path, fw.other_finance, 404)
    nothing = fw.get(RULE.format(estate=fw.other_estate_id), fw.auditor).json()
    assert (nothing["in_force"], nothing["rules"]) == (None, [])  # none set there


def test_each_unit_is_assessed_once_at_its_gross_area_times_the_rate_half_up_to_the_fen(
    fw: FinanceWorld,
) -> None:
    """89.37 m² at 48.00 = 4,289.76; a building of its own at 60.00: 75.50 m² = 4,530.00.
    A second run assesses nothing; a unit registered later is assessed by the next run,
    under the rule in force then (80.10 m² at 48.05 = 3,848.805, half-up 3,848.81),
    and the units assessed before keep what they were assessed."""
    b2, _ = new_building(fw.client, fw.admin.headers, fw.estate_id, code="B2")
    u401, _ = new_unit(fw.client, fw.admin.headers, fw.building_id, "401", "89.37", "70.00")
    lift, _ = new_unit(fw.client, fw.admin.headers, b2, "101", "75.50", "60.00")
    set_rule(fw, building_rates={b2: "60.00"}).raise_for_status()
    first = assess(fw).json()
    assert due_of(first) == {
        fw.units[0]: "4800.00",
        fw.units[1]: "3840.00",
        fw.units[2]: "5760.00",
        u401: "4289.76",
        lift: "4530.00",
    }
    assert {a["rate"] for a in first["assessed"]} == {"48.00", "60.00"}
    assert first["skipped"] == [] and first["position"] > 0

    head = fw.container.event_log.head()
    again = assess(fw).json()
    assert (again["assessed"], again["position"]) == ([], None)
    assert fw.container.event_log.head() == head

    set_rule(fw, "48.05", effective_on="2026-02-01").raise_for_status()
    fw.clock.set(2026, 2, 1)
    late, _ = new_unit(fw.client, fw.admin.headers, fw.building_id, "501", "80.10", "64.00")
    assert due_of(assess(fw).json()) == {late: "3848.81"}
    listed = {u["unit_id"]: u for u in unpaid(fw).json()["units"]}
    assert len(listed) == 6
    assert (listed[u401]["due"], listed[u401]["rate"], listed[u401]["gross_area"]) == (
        "4289.76",
        "48.00",
        "89.37",
    )
    assert listed[late]["rule_reference"] == CITED
    assessed = [e for e in events(fw) if e[0] == "FirstDepositAssessment"]
    assert len(assessed) == 6 and len({p["unit_id"] for _, _, p in assessed}) == 6
    assert {p["rounding"] for _, _, p in assessed} == {"ROUND_HALF_UP"}


def due_of(done: dict[str, Any]) -> dict[str, str]:
    return {a["unit_id"]: a["amount"] for a in done["assessed"]}


def events(fw: FinanceWorld) -> list[tuple[str, str, dict[str, Any]]]:
    log = fw.container.event_log
    found = []
    for note in log.read(after=0, limit=100_000):
        event = log.mapper_with_metadata.decode(note)[0]
        aggregate, name = kind_of(event)
        found.append((aggregate, name, payload_of(event)))
    return found


def test_the_first_deposit_is_paid_in_parts_up_to_the_assessment_then_top_ups_need_a_vote(
    fw: FinanceWorld,
) -> None:
    """Unit 201 (80 m²) owes 3,840.00: 1,000.00 then 2,840.00 pay it; 3,000.00 after the
    first part would exceed it by 160.00 and is refused; once it is paid, 100.00 more is
    a top-up (续交), refused without the owners' three-quarters resolution."""
    set_rule(fw).raise_for_status()
    assess(fw)
    assert deposit(fw, 1, "1000.00").status_code == 201
    head = fw.container.event_log.head()
    over = deposit(fw, 1, "3000.00")
    assert over.status_code == 422, over.text
    assert over.headers["content-type"].startswith("application/problem+json")
    assert "3840.00" in over.json()["detail"] and "2840.00" in over.json()["detail"]
    assert deposit(fw, 1, "10.00", currency="USD").status_code == 422
    assert fw.container.event_log.head() == head
    mine = account(fw, 1).json()
    assert (mine["first_deposit"], mine["first_deposit_assessed"]) == ("1000.00", "3840.00")

    assert deposit(fw, 1, "2840.00").status_code == 201
    head = fw.container.event_log.head()
    refused = deposit(fw, 1, "100.00")
    assert refused.status_code == 422 and "resolution" in refused.json()["detail"]
    assert fw.container.event_log.head() == head
    assert deposit(fw, 1, "100.00", resolution=RAISED).status_code == 201

    mine = account(fw, 1).json()
    assert (mine["balance"], mine["first_deposit"]) == ("3940.00", "3840.00")
    assert mine["low_balance_threshold"] == "1152.00"  # 30% of the first deposit
    assert [m["resolution"] is not None for m in mine["movements"]] == [False, False, True]
    [row] = unpaid(fw, status="paid").json()["units"]
    assert (row["unit_id"], row["paid"], row["outstanding"]) == (fw.units[1], "3840.00", "0.00")


def test_the_unpaid_list_shows_what_each_unit_owes_and_its_totals(fw: FinanceWorld) -> None:
    set_rule(fw).raise_for_status()
    assess(fw)
    deposit(fw, 0, "4800.00").raise_for_status()
    deposit(fw, 1, "1000.00").raise_for_status()
    seen = unpaid(fw).json()
    assert [
        (u["number"], u["due"], u["paid"], u["outstanding"], u["status"]) for u in seen["units"]
    ] == [
        ("101", "4800.00", "4800.00", "0.00", "paid"),
        ("201", "3840.00", "1000.00", "2840.00", "partly_paid"),
        ("301", "5760.00", "0.00", "5760.00", "unpaid"),
    ]
    [totals] = seen["totals"]
    assert totals == {
        "currency": "CNY",
        "units": 3,
        "unpaid": 1,
        "partly_paid": 1,
        "paid_in_full": 1,
        "due": "14400.00",
        "paid": "5800.00",
        "outstanding": "8600.00",
    }
    only = unpaid(fw, fw.auditor, status="unpaid").json()
    assert [u["unit_id"] for u in only["units"]] == [fw.units[2]]
    assert (only["totals"][0]["units"], only["totals"][0]["due"]) == (1, "5760.00")
    assert unpaid(fw, status="partly_paid").json()["totals"][0]["outstanding"] == "2840.00"
    unpaid(fw, expect=422, status="owing")
    unpaid(fw, fw.other_finance, 404)
    unpaid(fw, fw.owners[0], 404)  # staff and auditors only


def test_another_estates_clerk_gets_404_and_a_resident_cannot_assess(fw: FinanceWorld) -> None:
    assert assess(fw, status=None).status_code == 422  # no rule yet
    set_rule(fw).raise_for_status()
    head = fw.container.event_log.head()
    assert assess(fw, fw.other_finance, status=None).status_code == 404
    assert assess(fw, fw.owners[0], status=None).status_code == 403
    assert fw.container.event_log.head() == head
    missing = ASSESS.format(estate="00000000-0000-4000-8000-00000000dead")
    assert fw.post(missing, fw.finance).status_code == 404


def test_a_unit_deposited_before_the_rule_keeps_its_first_deposit_as_recorded(
    fw: FinanceWorld,
) -> None:
    """Unit 101 paid 1,000.00 before the estate had a rule: the assessment leaves it out
    (named in ``skipped``), and its account folds as before: 500.00 more before any
    charge is still its first deposit, no assessment caps it."""
    deposit(fw, 0, "1000.00").raise_for_status()
    set_rule(fw).raise_for_status()
    done = assess(fw).json()
    assert done["skipped"] == [fw.units[0]]
    assert set(due_of(done)) == {fw.units[1], fw.units[2]}
    assert deposit(fw, 0, "5000.00").status_code == 201
    mine = account(fw, 0).json()
    assert (mine["first_deposit"], mine["first_deposit_assessed"]) == ("6000.00", None)
    assert fw.units[0] not in {u["unit_id"] for u in unpaid(fw).json()["units"]}
