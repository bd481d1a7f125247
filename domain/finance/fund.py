"""The special maintenance fund (专项维修资金): owners' money held in trust, per unit.

:class:`FundAccount` is a unit's sub-ledger: deposits and its share of interest
(``fund_interest.py``) raise it, its share of a disbursed :class:`FundSpending`
lowers it. A spending needs an owners' resolution (Civil Code art. 278 item 5)
or a documented emergency, the approval kind ``fund_spending``, and is split by
gross area. The first deposit (首期交存) is the amount assessed per m²
(``fund_first_deposit.py``), or unassessed all paid in before the first charge;
later deposits are top-ups citing a three-quarters resolution; a charge below
30% of it records ``FellBelowThreshold`` once (管理办法 art. 17)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.fund_first_deposit import first_part
from domain.finance.fund_rules import LOW_BALANCE_RATIO as LOW_BALANCE_RATIO  # re-exported
from domain.finance.fund_rules import Basis as Basis  # re-exported, as are the others
from domain.finance.fund_rules import DepositMethod as DepositMethod
from domain.finance.fund_rules import EmergencyCategory as EmergencyCategory  # old topic
from domain.finance.fund_rules import SpendingStatus as SpendingStatus
from domain.finance.fund_rules import (
    check_basis,
    covered_splits,
    deposit_method,
    fund_account_id,
    low_balance_threshold,
    positive,
    raising_resolution,
    sharers,
    text,
)
from domain.finance.money import currency_of, exact_money

APPROVAL_KIND = "fund_spending"


class FundAccount(Aggregate):
    """One unit's share of the fund: its balance, first deposit and low-balance flag."""

    first_due: Decimal | None = None  # the first deposit assessed; a class default for snapshots

    @staticmethod
    def create_id(unit_id: UUID, **_: Any) -> UUID:
        return fund_account_id(unit_id)

    @classmethod
    def open(cls, *, estate_id: UUID, unit_id: UUID, currency: str, at: datetime) -> FundAccount:
        """The unit's account, opened with its first deposit (saved together)."""
        return cls(estate_id=estate_id, unit_id=unit_id, currency=currency_of(currency), at=at)

    @event("Opened")
    def __init__(self, estate_id: UUID, unit_id: UUID, currency: str, at: datetime) -> None:
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.currency = currency
        self.balance = Decimal(0)
        self.first_deposit: Decimal | None = None
        self.low = False
        self.deposit_ids: set[UUID] = set()
        self.charged_spendings: set[UUID] = set()
        self.interest_ids: set[UUID] = set()
        self.movements: list[tuple[date, Decimal]] = []  # (booked on, signed): the 积数

    @property
    def threshold(self) -> Decimal | None:
        """The balance under which owners are reminded: 30% of the first deposit."""
        return low_balance_threshold(self.first_deposit, self.currency)

    def note_assessment(self, amount: Decimal, at: datetime) -> None:
        """The first deposit assessed for the unit per m², noted as its account opens."""
        if self.deposit_ids or self.first_due is not None:  # once, before any deposit
            raise InvalidTransition("an account is assessed before it takes any deposit")
        self._noted(unit_id=self.unit_id, amount=amount, at=at)

    @event("AssessmentNoted")
    def _noted(self, unit_id: UUID, amount: Decimal, at: datetime) -> None:
        self.first_due = amount

    def deposit(
        self,
        *,
        deposit_id: UUID,
        amount: object,
        currency: str,
        method: DepositMethod | str,
        reference: str,
        booked_on: date,
        recorded_by: UUID,
        at: datetime,
        resolution: Mapping[str, Any] | None = None,
    ) -> None:
        """Money paid in for this unit: part of its first deposit (never beyond the
        amount assessed), or a top-up citing the resolution that raised the fund."""
        if currency != self.currency:
            raise ValidationFailed(f"currency: this unit's fund is kept in {self.currency}")
        if deposit_id in self.deposit_ids:
            raise InvalidTransition(f"deposit {deposit_id} is already recorded")
        method, amount = deposit_method(method), positive(amount, currency)
        first = first_part(self.first_due, self.first_deposit, self.charged_spendings, amount)
        vote = raising_resolution(resolution, top_up=not first)
        self._deposited(
            deposit_id=deposit_id,
            estate_id=self.estate_id,
            unit_id=self.unit_id,
            amount=amount,
            currency=currency,
            method=method.value,
            reference=text(reference, "reference", 100),
            first=self.first_deposit is None,
            booked_on=booked_on,
            recorded_by=recorded_by,
            at=at,
        )
        if vote is not None:
            self._cited(deposit_id=deposit_id, unit_id=self.unit_id, resolution=vote, at=at)
        self._rearm(at)

    @event("Deposited")
    def _deposited(
        self,
        deposit_id: UUID,
        estate_id: UUID,
        unit_id: UUID,
        amount: Decimal,
        currency: str,
        method: str,
        reference: str,
        first: bool,
        booked_on: date,
        recorded_by: UUID,
        at: datetime,
    ) -> None:
        self.balance += amount
        self.deposit_ids.add(deposit_id)
        self.movements.append((booked_on, amount))
        # ``first`` still marks the opening deposit; 100 then 9,900 is a baseline of 10,000.
        if first_part(self.first_due, self.first_deposit, self.charged_spendings):
            self.first_deposit = (self.first_deposit or Decimal(0)) + amount

    @event("ResolutionCited")
    def _cited(
        self, deposit_id: UUID, unit_id: UUID, resolution: dict[str, Any], at: datetime
    ) -> None:
        pass  # the deposit just recorded moved the balance

    def charge(
        self, *, spending_id: UUID, amount: Decimal, currency: str, booked_on: date, at: datetime
    ) -> None:
        """This unit's share of a disbursed spending (posted by the spending, not here)."""
        if currency != self.currency:
            raise ValidationFailed(f"currency: this unit's fund is kept in {self.currency}")
        if spending_id in self.charged_spendings:
            raise InvalidTransition(f"spending {spending_id} is already charged to this unit")
        amount = exact_money(amount, currency)
        if amount < 0 or amount > self.balance:
            raise ValidationFailed(
                f"unit {self.unit_id}: a share of {amount} exceeds the balance {self.balance}"
            )
        self._charged(
            spending_id=spending_id,
            estate_id=self.estate_id,
            unit_id=self.unit_id,
            amount=amount,
            currency=currency,
            booked_on=booked_on,
            at=at,
        )
        threshold = self.threshold
        if not self.low and threshold is not None and self.balance < threshold:
            self._fell_below(**self._notice(at))

    @event("Charged")
    def _charged(
        self,
        spending_id: UUID,
        estate_id: UUID,
        unit_id: UUID,
        amount: Decimal,
        currency: str,
        booked_on: date,
        at: datetime,
    ) -> None:
        self.balance -= amount
        self.charged_spendings.add(spending_id)
        self.movements.append((booked_on, -amount))

    def credit_interest(
        self, *, interest_id: UUID, amount: Decimal, reference: str, booked_on: date, at: datetime
    ) -> None:
        """This unit's share of interest the fund earned (posted by the ``FundInterest``)."""
        if interest_id in self.interest_ids:
            raise InvalidTransition(f"interest {interest_id} is already credited to this unit")
        self._interest_credited(
            interest_id=interest_id,
            estate_id=self.estate_id,
            unit_id=self.unit_id,
            amount=exact_money(amount, self.currency),
            currency=self.currency,
            reference=reference,
            booked_on=booked_on,
            at=at,
        )
        self._rearm(at)

    @event("InterestCredited")
    def _interest_credited(
        self,
        interest_id: UUID,
        estate_id: UUID,
        unit_id: UUID,
        amount: Decimal,
        currency: str,
        reference: str,
        booked_on: date,
        at: datetime,
    ) -> None:
        self.balance += amount  # never part of the first deposit: 增值 is not 首期交存
        self.interest_ids.add(interest_id)
        self.movements.append((booked_on, amount))

    def _rearm(self, at: datetime) -> None:
        """Back to 30% of the first deposit or more: the reminder is armed again."""
        threshold = self.threshold
        if self.low and threshold is not None and self.balance >= threshold:
            self._restored(**self._notice(at))

    def _notice(self, at: datetime) -> dict[str, Any]:
        keys = ("estate_id", "unit_id", "balance", "first_deposit", "currency")
        return {k: getattr(self, k) for k in keys} | {"ratio": LOW_BALANCE_RATIO, "at": at}

    @event("FellBelowThreshold")
    def _fell_below(
        self,
        estate_id: UUID,
        unit_id: UUID,
        balance: Decimal,
        first_deposit: Decimal,
        currency: str,
        ratio: Decimal,
        at: datetime,
    ) -> None:
        self.low = True

    @event("RestoredAboveThreshold")
    def _restored(
        self,
        estate_id: UUID,
        unit_id: UUID,
        balance: Decimal,
        first_deposit: Decimal,
        currency: str,
        ratio: Decimal,
        at: datetime,
    ) -> None:
        self.low = False


class FundSpending(Aggregate):
    """A use of the fund: proposed with its basis, approved, then disbursed once."""

    @classmethod
    def propose(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        purpose: str,
        amount: object,
        currency: str,
        basis: Basis | str,
        resolution: Mapping[str, Any] | None,
        emergency: Mapping[str, Any] | None,
        unit_ids: Sequence[UUID],
        vendor: str | None,
        approval_id: UUID,
        proposed_by: UUID,
        at: datetime,
    ) -> FundSpending:
        basis, resolution, emergency = check_basis(basis, resolution, emergency)
        units = sharers(unit_ids)
        return cls(
            id=id,
            estate_id=estate_id,
            purpose=text(purpose, "purpose", 500),
            amount=positive(amount, currency),
            currency=currency,
            basis=basis.value,
            resolution=resolution,
            emergency=emergency,
            unit_ids=units,
            vendor=text(vendor, "vendor", 200, required=False) or None,
            approval_id=approval_id,
            proposed_by=proposed_by,
            at=at,
        )

    @event("Proposed")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        purpose: str,
        amount: Decimal,
        currency: str,
        basis: str,
        resolution: dict[str, Any] | None,
        emergency: dict[str, Any] | None,
        unit_ids: list[UUID],
        vendor: str | None,
        approval_id: UUID,
        proposed_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.purpose = purpose
        self.amount = amount
        self.currency = currency
        self.basis = Basis(basis)
        self.unit_ids = unit_ids
        self.approval_id = approval_id
        self.proposed_by = proposed_by
        self.status = SpendingStatus.AWAITING_APPROVAL
        self.splits: list[dict[str, Any]] = []

    @property
    def summary(self) -> str:
        return f"maintenance fund ({self.basis}): {self.purpose}"[:500]

    def approval_decided(
        self, approval_id: UUID, outcome: str, reason: str | None, at: datetime
    ) -> None:
        """The approval became final: approved, rejected or withdrawn."""
        if approval_id != self.approval_id or self.status is not SpendingStatus.AWAITING_APPROVAL:
            return
        if outcome == "approved":
            self._approved(approval_id=approval_id, at=at)
        elif outcome == "rejected":
            self._rejected(approval_id=approval_id, reason=reason, at=at)
        elif outcome == "withdrawn":
            self._withdrawn(approval_id=approval_id, reason=reason, at=at)

    @event("Approved")
    def _approved(self, approval_id: UUID, at: datetime) -> None:
        self.status = SpendingStatus.APPROVED

    @event("Rejected")
    def _rejected(self, approval_id: UUID, reason: str | None, at: datetime) -> None:
        self.status = SpendingStatus.REJECTED

    @event("Withdrawn")
    def _withdrawn(self, approval_id: UUID, reason: str | None, at: datetime) -> None:
        self.status = SpendingStatus.WITHDRAWN

    def disburse(
        self,
        *,
        areas: Mapping[UUID, Decimal],
        balances: Mapping[UUID, Decimal],
        reference: str,
        booked_on: date,
        at: datetime,
    ) -> list[dict[str, Any]]:
        """Pay the spending out of the fund, split over the units' gross ``areas``;
        refused if any unit's share exceeds its balance now (every such unit named),
        and unless approved and not yet disbursed. Returns the splits to charge."""
        if self.status is SpendingStatus.DISBURSED:
            raise InvalidTransition("this spending has already been disbursed")
        if self.status is not SpendingStatus.APPROVED:
            raise InvalidTransition(f"only an approved spending is disbursed; it is {self.status}")
        splits = covered_splits(self.amount, self.unit_ids, areas, balances, self.currency)
        self._disbursed(
            estate_id=self.estate_id,
            booked_on=booked_on,
            splits=splits,
            currency=self.currency,
            reference=text(reference, "reference", 100),
            at=at,
        )
        return splits

    @event("Disbursed")
    def _disbursed(
        self,
        estate_id: UUID,
        booked_on: date,
        splits: list[dict[str, Any]],
        currency: str,
        reference: str,
        at: datetime,
    ) -> None:
        self.status = SpendingStatus.DISBURSED
        self.splits = splits
