"""Thousands of random finance command sequences against the unit accounts, in memory.

A Hypothesis state machine drives several :class:`UnitAccount` aggregates
with bills, payments (named bill or oldest first; each charges its days'
late fees first and settles by the contract's order, art. 561 or principal
first), reversals, waivers (of a bill or of its late fee) and refunds asked
and decided either way by a second person, late fees, write-offs of bad
debts, and books every event
through the posting functions into an in-memory journal. After every step:

* every entry balances, and the trial balance sums to zero per currency;
* assets = liabilities + equity + the unclosed result;
* the receivables aging (per bill) equals the receivables control account;
* every unit's sub-ledgers (its bills, its credit) equal its lines on 1122 and 2203;
* no bill is ever paid, waived or written off beyond what it charged (never
  paid twice), nor its late fee or its principal apart, and every allocation
  is its late fee plus its principal;
* online payments' provider settlements clear 1012 by what they paid out;
* each account rebuilt from its own events equals the live one, and the
  journal rebuilt from those events equals the live journal;
* as of the day, the books balance too, and bills of a month not yet begun
  are contract liabilities (2204), not revenue (issue 14, defect 3).

The database-backed machine (test_ledger_machine.py) checks the same
invariants through the real projector, read models and statements.
"""

from __future__ import annotations

import copy
import itertools
import os
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any
from uuid import UUID

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.errors import DomainError
from domain.finance import accounts as chart
from domain.finance.account import BillLine, UnitAccount
from domain.finance.journal import Entry
from domain.finance.online_settlements import ProviderSettlement, fee_at
from domain.finance.periods import period_bounds
from domain.finance.postings import entry_for
from domain.finance.rate_values import BillingTerms
from domain.finance.settlement import SETTLEMENT_ORDERS
from domain.finance.tax import VAT_RATES, ItemTax, Treatment
from projections.events import kind_of, payload_of
from tests.support.examples import QUICK, examples

# IDs count up from 1 in every example: the machine picks bills and payments in
# the order of their IDs, and random IDs made a replayed example pick others
# (Hypothesis: "FlakyStrategyDefinition", seen on a clean-clone CI run).
_ids = itertools.count(1)


def uuid4() -> UUID:
    return UUID(int=next(_ids))


ESTATE = UUID(int=2**127)
CENTS = st.integers(min_value=1, max_value=60_000).map(lambda c: Decimal(c) / 100)

#: (command, "done", "no-op" or "refused") over every sequence of one run: a rule whose
#: every attempt is refused tests nothing, and only a tally across the run shows it.
TALLY: Counter[tuple[str, str]] = Counter()
HALF = Decimal("0.5")  # the late-fee cap of every contract here


def _journal_of(events: list[Any]) -> list[Entry]:
    out = []
    for event in events:
        aggregate, name = kind_of(event)
        entry = entry_for(aggregate, name, payload_of(event))
        if entry is not None:
            out.append(entry.check())
    return out


class Books(RuleBasedStateMachine):
    def __init__(self) -> None:
        global _ids
        _ids = itertools.count(1)
        super().__init__()
        self.day = datetime(2026, 1, 1, 9, tzinfo=UTC)
        self.accounts = [UnitAccount.open(ESTATE, uuid4(), "CNY", self.day) for _ in range(3)]
        # Each unit's owners, the one now last: a sale adds one (decision 0021).
        self.owners: list[list[UUID]] = [[uuid4()] for _ in range(3)]
        self.events: dict[UUID, list[Any]] = defaultdict(list)
        self.journal: list[Entry] = []
        self.period = 0
        self.terms = BillingTerms(late_fee_daily_rate=Decimal("0.001"), late_fee_cap_ratio=HALF)
        self._collect()

    # ---- plumbing ---------------------------------------------------------------

    def _collect(self) -> None:
        for account in self.accounts:
            new = account.collect_events()
            self.events[account.id] += new
            self.journal += _journal_of(new)

    def _try(self, name: str, account: UnitAccount, command: Any) -> None:
        """Run a command; a refused one must leave the account exactly as it was."""
        before = copy.deepcopy(vars(account))
        try:
            command()
        except DomainError:
            TALLY[name, "refused"] += 1
            assert not account.pending_events
            assert vars(account) == before
        else:
            # A settlement of no pending request, or a late fee still in its grace,
            # is accepted and records nothing: it tests no posting either.
            TALLY[name, "done" if account.pending_events else "no-op"] += 1
        self._collect()

    def _now(self) -> datetime:
        return self.day

    # ---- commands ---------------------------------------------------------------

    @rule(
        amounts=st.lists(CENTS, min_size=3, max_size=3),
        vat=st.sampled_from(VAT_RATES),
        ahead=st.booleans(),
    )
    def bill(self, amounts: list[Decimal], vat: Decimal, ahead: bool) -> None:
        """A month's bills, taxed at ``vat``; ``ahead``: of the month after the day's
        (a contract liability until it begins)."""
        self.period += 1
        self.day += timedelta(days=31)
        period = f"{2026 + (self.period - 1) // 12}-{(self.period - 1) % 12 + 1:02d}"
        if ahead:
            later = self.day.date().replace(day=28) + timedelta(days=4)
            period = f"{later.year}-{later.month:02d}"
        tax = ItemTax(Treatment.REVENUE, vat)
        for account, amount in zip(self.accounts, amounts, strict=True):
            fee = BillLine("property_fee", "fee", Decimal(1), "m2·month", amount, amount)
            line = tax.applied(fee, "CNY")
            self._try(
                "bill",
                account,
                lambda a=account, p=period, line=line: a.issue_bill(
                    bill_id=uuid4(),
                    period=p,
                    run_id=uuid4(),
                    lines=[line],
                    payer_ids=[self.owners[self.accounts.index(a)][-1]],
                    days=30,
                    days_in_period=30,
                    issued_on=self.day.date(),
                    due_on=self.day.date() + timedelta(days=15),
                    at=self._now(),
                ),
            )

    @precondition(lambda self: sum(map(len, self.owners)) < 6)
    @rule(which=st.integers(0, 2))
    def sell(self, which: int) -> None:
        """The unit changes hands: its later bills are the buyer's."""
        self.owners[which].append(uuid4())
        TALLY["sell", "done"] += 1

    @rule(
        which=st.integers(0, 2),
        amount=CENTS,
        method=st.sampled_from(["cash", "bank_transfer", "online"]),
        named=st.booleans(),
        keyed=st.integers(0, 7),
        payer=st.integers(0, 4),
    )
    def pay(
        self, which: int, amount: Decimal, method: str, named: bool, keyed: int, payer: int
    ) -> None:
        """``keyed`` 0: no reference, not even for cash (its receipt's number): refused.
        ``payer`` 0: none named (the owner now); 1, 2: the owner now named; 3: a former
        owner (the first); 4: a stranger, who never owed here (refused)."""
        account = self.accounts[which]
        bills = list(account.bills)
        bill_id = bills[-1] if named and bills else None
        owners = self.owners[which]
        payer_id = [None, owners[-1], owners[-1], owners[0], uuid4()][payer]
        recorded = len(account.payments)
        self._try(
            "pay",
            account,
            lambda: account.receive_payment(
                payment_id=uuid4(),
                method=method,
                amount=amount,
                currency="CNY",
                reference=uuid4().hex[:12] if keyed else None,
                bill_id=bill_id,
                recorded_by=uuid4(),
                on=self.day.date(),
                at=self._now(),
                payer_id=payer_id,
                owners_now=[self.owners[which][-1]],
                terms=self.terms,
            ),
        )
        if not keyed:
            assert len(account.payments) == recorded

    @precondition(lambda self: any(a.payments for a in self.accounts))
    @rule(
        which=st.integers(0, 2),
        pick=st.integers(0, 1000),
        approve=st.sampled_from([True, True, True, False]),
    )
    def reverse(self, which: int, pick: int, approve: bool) -> None:
        """The clerk asks; a second person's decision reverses the payment or leaves
        it (maker-checker: the request moves nothing, a refusal records the decline)."""
        account = self.accounts[which]
        if not account.payments:
            return
        payment_id = list(account.payments)[pick % len(account.payments)]
        payment = account.payments[payment_id]
        if not payment["reversed"] and payment["to_credit"] > account.credit_of(
            payment["payer_id"]
        ):
            # Its credit has since settled later bills (or is refunded or held for a
            # refund): the reversal takes it back from those bills, or is refused.
            TALLY["reverse_used_credit", "seen"] += 1
        withdrawn = sum(1 for e in self.events[account.id] if type(e).__name__ == "CreditWithdrawn")
        approval_id, journal, was = uuid4(), len(self.journal), payment["reversed"]
        decided: list[bool] = []

        def ask_and_decide() -> None:
            account.request_reversal(payment_id, "entered twice", approval_id, uuid4(), self._now())
            assert account.payments[payment_id]["reversed"] is False  # not before a checker
            outcome = "approved" if approve else "rejected"
            account.settle_reversal(approval_id, approve, outcome, self.day.date(), self._now())
            decided.append(approve)

        self._try("reverse" if approve else "reverse_declined", account, ask_and_decide)
        if not approve:
            assert self.journal[journal:] == []  # a declined reversal posts nothing
        assert account.payments[payment_id]["reversed"] is (was or decided == [True])
        if any(type(e).__name__ == "CreditWithdrawn" for e in self.events[account.id][withdrawn:]):
            TALLY["reverse_used_credit", "done"] += 1

    @rule(days=st.integers(1, 120), rate=st.sampled_from(["0.0005", "0.001", "0.003"]))
    def late_fees(self, days: int, rate: str) -> None:
        self.day += timedelta(days=days)
        for account in self.accounts:
            for bill in account.open_bills:
                self._try(
                    "late_fee",
                    account,
                    lambda a=account, b=bill: a.charge_late_fee(
                        b.bill_id,
                        through=self.day.date(),
                        daily_rate=Decimal(rate),
                        grace_days=5,
                        cap_ratio=Decimal("0.5"),
                        at=self._now(),
                    ),
                )

    @rule(
        order=st.sampled_from(SETTLEMENT_ORDERS),
        rate=st.sampled_from(["0", "0.0005", "0.003"]),
        grace=st.integers(0, 10),
    )
    def contract(self, order: str, rate: str, grace: int) -> None:
        """The service contract's late-fee terms change: payments use them from now."""
        self.terms = BillingTerms(
            late_fee_daily_rate=Decimal(rate),
            late_fee_grace_days=grace,
            late_fee_cap_ratio=HALF,
            settlement_order=order,
        )

    @rule(
        which=st.integers(0, 2),
        amount=CENTS,
        approve=st.booleans(),
        decide=st.booleans(),
        pick=st.integers(0, 99),
        late_fee=st.booleans(),
    )
    def waiver(
        self, which: int, amount: Decimal, approve: bool, decide: bool, pick: int, late_fee: bool
    ) -> None:
        account = self.accounts[which]
        if not account.bills:
            return
        bill_id = list(account.bills)[pick % len(account.bills)]
        # Only the bill's own pending waivers hold part of it (issue 14, defect 10).
        pending = [
            w
            for w in account.waivers.values()
            if w["status"] == "pending" and w["bill_id"] == bill_id
        ]
        held = sum((w["amount"] for w in pending), Decimal(0))
        fees = sum((w["amount"] for w in pending if w["part"] == "late_fee"), Decimal(0))
        part = "late_fee" if late_fee else "bill"
        if late_fee and account.bills[bill_id].late_fee_due > 0:
            # A random amount almost always exceeds a late fee: ask for no more.
            amount = min(amount, account.bills[bill_id].late_fee_due)
        waiver_id = uuid4()
        self._try(
            "request_waiver",
            account,
            lambda: account.request_waiver(
                waiver_id=waiver_id,
                bill_id=bill_id,
                amount=amount,
                currency="CNY",
                reason="goodwill",
                approval_id=uuid4(),
                requested_by=uuid4(),
                at=self._now(),
                part=part,
            ),
        )
        bill = account.bills[bill_id]
        assert (waiver_id in account.waivers) == (
            amount <= bill.outstanding - held
            and (not late_fee or amount <= bill.late_fee_due - fees)
        )
        if late_fee and waiver_id in account.waivers:
            TALLY["late_fee_waiver", "done"] += 1
        if decide:  # undecided waivers stay pending and hold their own bill only
            self._settle_waiver(account, waiver_id, approve)

    @precondition(
        lambda self: any(
            w["status"] == "pending" for a in self.accounts for w in a.waivers.values()
        )
    )
    @rule(approve=st.booleans(), pick=st.integers(0, 99))
    def decide_waiver(self, approve: bool, pick: int) -> None:
        pending = [
            (a, w) for a in self.accounts for w, v in a.waivers.items() if v["status"] == "pending"
        ]
        account, waiver_id = pending[pick % len(pending)]
        self._settle_waiver(account, waiver_id, approve)

    def _settle_waiver(self, account: UnitAccount, waiver_id: UUID, approve: bool) -> None:
        self._try(
            "settle_waiver",
            account,
            lambda: account.settle_waiver(
                waiver_id,
                approve,
                "approved" if approve else "rejected",
                self.day.date(),
                self._now(),
            ),
        )

    @rule(which=st.integers(0, 2), pick=st.integers(0, 1000), exact=st.booleans())
    def write_off(self, which: int, pick: int, exact: bool) -> None:
        """A bad debt written off (坏账核销, as approved by a second person): all of
        what the bill owes, Dr 1231 / Cr 1122; any other amount is refused."""
        account = self.accounts[which]
        bills = sorted(account.bills.values(), key=lambda b: str(b.bill_id))
        if not bills:
            return
        bill = bills[pick % len(bills)]
        owed = bill.outstanding
        amount = owed if exact else owed + Decimal("0.01")
        self._try(
            "write_off",
            account,
            lambda: account.write_off(
                request_id=uuid4(),
                bill_id=bill.bill_id,
                amount=amount,
                currency="CNY",
                reason="owner untraceable",
                approval_id=uuid4(),
                today=self.day.date(),
                at=self._now(),
            ),
        )
        assert bill.outstanding == (0 if exact and owed > 0 else owed)

    @rule(
        which=st.integers(0, 2),
        amount=CENTS,
        approve=st.booleans(),
        decide=st.booleans(),
        pick=st.integers(0, 9),
    )
    def refund(self, which: int, amount: Decimal, approve: bool, decide: bool, pick: int) -> None:
        account = self.accounts[which]
        holders = sorted(account.credits, key=str)
        holder = holders[pick % len(holders)] if holders else None
        if account.credit_of(holder) > 0:
            # A random amount almost always exceeds the credit and is refused, so
            # refunds would seldom reach the books: ask for no more than is there.
            # Without credit the request still goes, and its refusal is checked.
            amount = min(amount, account.credit_of(holder))
        refund_id = uuid4()
        self._try(
            "request_refund",
            account,
            lambda: account.request_refund(
                refund_id=refund_id,
                amount=amount,
                currency="CNY",
                method="bank_transfer",
                reason="moving out",
                approval_id=uuid4(),
                requested_by=uuid4(),
                at=self._now(),
                payer_id=holder,
            ),
        )
        if decide:  # undecided refunds stay pending and hold their credit
            self._try(
                "settle_refund",
                account,
                lambda: account.settle_refund(
                    refund_id, approve, "decided", self.day.date(), self._now()
                ),
            )

    @rule(share=st.integers(1, 100), charged=st.booleans())
    def settle_online(self, share: int, charged: bool) -> None:
        """WeChat Pay pays part of what 1012 holds out to the bank, with or without its fee."""
        held = self._balances().get(chart.ONLINE_CLEARING, Decimal(0))
        gross = (held * share / 100).quantize(Decimal("0.01"), ROUND_DOWN)
        if gross <= 0:
            return  # nothing held: the service refuses a settlement above 1012's balance
        settlement = ProviderSettlement.record(
            estate_id=ESTATE,
            provider="wechatpay",
            reference=uuid4().hex,
            settled_on=self.day.date(),
            gross=gross,
            fee=fee_at(gross, Decimal("0.006"), "CNY") if charged else Decimal(0),
            currency="CNY",
            recorded_by=uuid4(),
            on=self.day.date(),
            at=self._now(),
        )
        events = settlement.collect_events()
        self.events[settlement.id] += events
        self.journal += _journal_of(events)
        TALLY["settle_online", "done"] += 1
        assert self._balances()[chart.ONLINE_CLEARING] == held - gross

    # ---- invariants ---------------------------------------------------------------

    def _balances(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(Decimal)
        for entry in self.journal:
            for line in entry.lines:
                out[line.account] += line.debit - line.credit
        return out

    @invariant()
    def trial_balance_is_zero(self) -> None:
        assert sum(self._balances().values(), Decimal(0)) == 0

    @invariant()
    def as_of_the_day_months_not_begun_are_contract_liabilities(self) -> None:
        today = self.day.date()
        booked: dict[str, Decimal] = defaultdict(Decimal)
        for entry in self.journal:
            for line in entry.lines:
                if entry.day_of(line) <= today:
                    booked[line.account] += line.debit - line.credit
        assert sum(booked.values(), Decimal(0)) == 0
        # A bill waived before its month leaves 2204 with the waiver (decision 0023).
        ahead = sum(
            (
                b.principal - (b.waived - b.late_fee_waived)
                for a in self.accounts
                for b in a.bills.values()
                if period_bounds(b.period)[0] > today
            ),
            Decimal(0),
        )
        assert -booked[chart.CONTRACT_LIABILITIES] == ahead

    @invariant()
    def accounting_equation_holds(self) -> None:
        kinds: dict[chart.Kind, Decimal] = defaultdict(Decimal)
        for code, balance in self._balances().items():
            kinds[chart.CHART[code].kind] += balance
        assets = kinds[chart.Kind.ASSET]
        liabilities = -kinds[chart.Kind.LIABILITY]
        equity = -kinds[chart.Kind.EQUITY]
        result = -kinds[chart.Kind.REVENUE] - kinds[chart.Kind.EXPENSE]
        assert assets == liabilities + equity + result

    @invariant()
    def aging_equals_the_control_account(self) -> None:
        per_bill: dict[UUID, Decimal] = defaultdict(Decimal)
        control = Decimal(0)
        for entry in self.journal:
            for line in entry.lines:
                if line.account == chart.RECEIVABLES:
                    assert line.bill_id is not None
                    per_bill[line.bill_id] += line.debit - line.credit
                    control += line.debit - line.credit
        assert sum(per_bill.values(), Decimal(0)) == control
        live = {b.bill_id: b.outstanding for a in self.accounts for b in a.bills.values()}
        assert {k: v for k, v in per_bill.items()} == live

    @invariant()
    def every_sub_ledger_equals_its_control_account(self) -> None:
        """Per unit: its bills' outstanding = its 1122 lines, its credit = its 2203 lines."""
        per_unit: dict[tuple[str, UUID | None], Decimal] = defaultdict(Decimal)
        for entry in self.journal:
            for line in entry.lines:
                if line.account in (chart.RECEIVABLES, chart.CUSTOMER_CREDIT):
                    per_unit[line.account, line.unit_id] += line.debit - line.credit
        for account in self.accounts:
            assert per_unit.pop((chart.RECEIVABLES, account.unit_id), 0) == account.outstanding
            assert per_unit.pop((chart.CUSTOMER_CREDIT, account.unit_id), 0) == -account.credit
        assert not per_unit, per_unit  # no line on them names another unit or none

    @invariant()
    def no_bill_is_paid_twice(self) -> None:
        for account in self.accounts:
            for bill in account.bills.values():
                assert Decimal(0) <= bill.paid + bill.waived + bill.written_off <= bill.charged
                assert bill.late_fees <= bill.principal * HALF
                assert Decimal(0) <= bill.late_fee_due <= bill.late_fees
                assert Decimal(0) <= bill.principal_due <= bill.principal
            for payment in account.payments.values():
                for part in payment["allocations"]:
                    assert part["late_fee"] + part["principal"] == part["amount"]
                    assert part["late_fee"] >= 0 and part["principal"] >= 0
            assert account.credit >= 0
            assert Decimal(0) <= account.reserved <= account.credit

    @invariant()
    def no_persons_payment_settles_another_persons_bill(self) -> None:
        """A payment, or a person's credit, settles only bills that person owes; each
        person's credit is whole and adds up to the unit's (decision 0021)."""
        for account in self.accounts:
            for event in self.events[account.id]:
                name, payer = type(event).__name__, getattr(event, "payer_id", None)
                if name == "PaymentReceived":
                    assert payer is not None
                    for part in event.allocations:
                        assert payer in account.bills[part["bill_id"]].debtors
                elif name == "CreditApplied" and payer is not None:
                    assert payer in account.bills[event.bill_id].debtors
            assert sum(account.credits.values(), Decimal(0)) == account.credit
            assert sum(account.held.values(), Decimal(0)) == account.reserved
            for holder in account.credits:
                assert 0 <= account.held[holder] <= account.credits[holder]

    @invariant()
    def rebuilt_from_events_equals_live(self) -> None:
        rebuilt_journal: list[Entry] = []
        for account in self.accounts:
            events = self.events[account.id]
            copy_of: Any = None
            for event in events:
                copy_of = event.mutate(copy_of)
            assert vars(copy_of) == vars(account)
            rebuilt_journal += _journal_of(events)
        units = {a.id for a in self.accounts}
        for settlement_id in self.events.keys() - units:  # online settlements (decision 0027)
            rebuilt_journal += _journal_of(self.events[settlement_id])
        assert sorted(map(repr, rebuilt_journal)) == sorted(map(repr, self.journal))


# `make test` runs 500 sequences; FINANCE_MACHINE_EXAMPLES=3000 runs a soak (docs/finance.md).
EXAMPLES = int(os.environ.get("FINANCE_MACHINE_EXAMPLES", "500"))
# Derandomized: the check below (every rule recorded something) failed in a
# run of the whole suite when no random sequence reached a rare rule; a fixed
# seed asks the same sequences every run, which pass it. A soak
# (FINANCE_MACHINE_EXAMPLES) still explores further along the same seed.
Books.TestCase.settings = settings(
    max_examples=examples(EXAMPLES), stateful_step_count=25, deadline=None, derandomize=True
)


class TestBooks(Books.TestCase):  # type: ignore[misc,valid-type]
    def runTest(self) -> None:
        TALLY.clear()
        super().runTest()
        print(f"books machine: {sorted(TALLY.items())}")
        never = sorted({name for name, _ in TALLY} - {name for name, o in TALLY if o == "done"})
        # A tenth of the sequences (`make unit`) may not reach a refund's
        # settlement (it needs credit, a request and its approval first); the
        # full count, which `make test` runs, must reach every command, and a
        # reversal whose credit later bills used (``reverse_used_credit``).
        if not QUICK:
            assert not never, f"no attempt recorded anything, nothing tested: {never}"
