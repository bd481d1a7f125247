"""The maintenance fund in the demo: the first deposits (首期交存) assessed per m²
under the local rule, an emergency spending, a top-up the owners raised by a
three-quarters vote, and the bank's interest allocated to the units
(docs/finance/fund.md, decisions 0025 and 0028)."""

from __future__ import annotations

from decimal import ROUND_UP, Decimal

from application.finance.fund import DisburseSpending, ProposeSpending, RecordDeposit
from application.finance.fund.first_deposit import (
    AssessFirstDeposits,
    SetFirstDepositRule,
    assess_first_deposits,
    set_first_deposit_rule,
)
from application.finance.fund.interest import AllocateInterest, allocate_interest
from domain.finance.money import Money
from domain.finance.periods import period_end
from domain.registry.ids import building_id_for
from interfaces.cli.demo.books import BooksBase

DEPOSITORS = (
    ("A", "101"),
    ("A", "302"),
    ("A", "501"),
    ("B", "202"),
    ("B", "601"),
    ("B", "801"),
    ("C", "101"),
    ("C", "302"),
)
TOPPED_UP = ("A", "101")
# The city's rule: 60.00 per m² of gross area in the towers (with lifts), 45.00 in
# the podium (no lift). B-202's owner, who pays nothing else, paid half of it.
FIRST_DEPOSIT_RATE, PODIUM_RATE = "60.00", Decimal("45.00")
HALF_PAID = ("B", "202")


class FundDemo(BooksBase):
    def fund_deposits(self) -> None:
        """The local rule set, every unit assessed once, and the depositors' first
        deposits as assessed; the rest of the estate is the unpaid list (未交清单)."""
        fund, estate = self.c.finance.fund, self.d.estate_id
        with self.clerk(self.day(self.periods[0], 2)) as finance:
            set_first_deposit_rule(
                fund.deps,
                SetFirstDepositRule(
                    actor=finance,
                    estate_id=estate,
                    rate=Money.of(FIRST_DEPOSIT_RATE, "CNY"),
                    reference="市住建局 住宅专项维修资金首期交存标准 (demo)",
                    effective_on=self.day(self.periods[0], 1),
                    building_rates={building_id_for(estate, "C"): PODIUM_RATE},
                ),
            )
            due = {
                a["unit_id"]: a["amount"]
                for a in assess_first_deposits(
                    fund.deps, fund.units, AssessFirstDeposits(actor=finance, estate_id=estate)
                ).assessed
            }
        with self.clerk(self.day(self.periods[0], 3)) as finance:
            for key in DEPOSITORS:
                amount = due[self.unit[key]] / (2 if key == HALF_PAID else 1)
                fund.deposit(
                    RecordDeposit(
                        actor=finance,
                        unit_id=self.unit[key],
                        amount=Money.of(amount.quantize(Decimal("0.01")), "CNY"),
                        method="bank_transfer",
                        reference=f"FUND-{key[0]}{key[1]}",
                    )
                )
        self.d.count("fund_first_deposits_assessed", len(due))
        self.d.count("fund_deposits", len(DEPOSITORS))

    def fund_spending(self) -> None:
        fund = self.c.finance.fund
        order = next(iter(self.d.orders.values()), None)
        with self.clerk(self.day(self.periods[-1], 18)) as finance:
            proposed = fund.propose_spending(
                ProposeSpending(
                    actor=finance,
                    estate_id=self.d.estate_id,
                    purpose="Replace the failed booster pump of Towers A and B",
                    amount=Money.of("9600.00", "CNY"),
                    basis="emergency",
                    resolution=None,
                    emergency={
                        "category": "pump_failure",
                        "description": "Booster pump 1 failed; upper floors without water.",
                        "evidence": [f"work order {order}" if order else "inspection PUMP-0318"],
                    },
                    unit_ids=None,
                    vendor="Eastern Lift Engineering",
                )
            )
        with self.on(self.day(self.periods[-1], 18)):
            self.d.decide(proposed.approval_id, self.finance)
        with self.clerk(self.day(self.periods[-1], 20)) as finance:
            fund.disburse(DisburseSpending(finance, proposed.id, "PUMP-PAY-01"))
        self.d.count("fund_spendings", 1)

    def fund_top_up(self) -> None:
        """After the pump was paid from it, the owners' assembly raises the fund (筹集,
        a special matter: three quarters of those taking part); A-101 tops up
        (续交) citing the vote."""
        meeting_on = self.day(self.periods[-1], 22)
        self.d.settle()
        totals = self.c.finance.fund.totals.as_of(self.d.estate_id, meeting_on)
        area = Decimal(totals.area)
        vote = {
            "reference": f"HVG-OA-{self.periods[-1]}",
            "meeting_on": meeting_on.isoformat(),
            "participating_area": f"{area}",
            "participating_owners": totals.owners,
            "area_for": f"{(area * Decimal('0.8')).quantize(Decimal('0.01'))}",
            "owners_for": int((Decimal(totals.owners) * Decimal("0.8")).to_integral(ROUND_UP)),
        }
        with self.clerk(self.day(self.periods[-1], 27)) as finance:
            self.c.finance.fund.deposit(
                RecordDeposit(
                    actor=finance,
                    unit_id=self.unit[TOPPED_UP],
                    amount=Money.of("800.00", "CNY"),
                    method="bank_transfer",
                    reference=f"FUND-A101-{self.periods[-1]}",
                    resolution=vote,
                )
            )
        self.d.count("fund_top_ups")

    def fund_interest(self) -> None:
        """The bank's quarterly interest on the fund's account, shared by the units'
        daily balances (增值分摊)."""
        last_day = period_end(self.periods[-1])
        self.d.settle()
        with self.clerk(last_day, 16) as finance:
            allocate_interest(
                self.c.finance.fund,
                AllocateInterest(
                    finance,
                    self.d.estate_id,
                    Money.of("61.35", "CNY"),
                    f"FUNDINT-{self.periods[-1]}",
                    self.day(self.periods[0], 1),
                    last_day,
                    last_day,
                ),
            )
        self.d.count("fund_interest_allocations")
