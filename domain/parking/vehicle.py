"""A vehicle at an estate's car park, known by its plate.

One record per (estate, plate), made when staff register the vehicle to a
unit or when an unknown plate first reaches the barrier. It holds what the
gate needs to decide at once, from the log: the unit it belongs to, whether
it is blocklisted, its monthly passes and the session it is parked in now.

A monthly pass (月卡) names a space assigned to the vehicle's unit, or none
(a plate pass). Its fee is either billed to the unit's account each month
by finance's billing run (``unit_account``: the ``parking`` fee item bills
the unit's assigned spaces, so such a pass needs one), or bought for N
months at the office (``prepaid``). A prepaid pass sold since decision 0063
is ``PrepaidPassSold``: the money is a contract liability (2204) until each
month of the pass is over, when ``PassRevenueRecognised`` moves that month's
share to parking revenue (the scheduler's ``parking.recognise_pass_revenue``).
The prepaid passes issued before it (``PassIssued``) posted their revenue at
once and keep that meaning (``domain/parking/postings.py``).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.money import round_money
from domain.parking.tariff import LOCAL

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/parking/vehicle")
MAX_MONTHS = 36


def vehicle_id(estate_id: UUID, plate: str) -> UUID:
    """The plate's record at the estate (``plate`` normalised)."""
    return uuid5(NAMESPACE, f"{estate_id}:{plate}")


class PassBilling(StrEnum):
    UNIT_ACCOUNT = "unit_account"  # the monthly fee on the unit's bills
    PREPAID = "prepaid"  # N months bought at once


class PaymentMethod(StrEnum):
    CASH = "cash"
    ONLINE = "online"


def add_months(day: date, months: int) -> date:
    """The day before the same day ``months`` later (a pass from 3 Jan for a month ends 2 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last)) - timedelta(days=1)


def vat_of(gross: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The VAT in a tax-inclusive price (含税价): gross - round(gross / (1 + rate))."""
    return gross - round_money(gross / (1 + rate), currency)


def text(value: str, field: str, longest: int) -> str:
    value = value.strip()
    if not 1 <= len(value) <= longest:
        raise ValidationFailed(f"{field}: 1-{longest} characters")
    return value


def _reason(value: str) -> str:
    return text(value, "reason", 500)


class Vehicle(Aggregate):
    class_version = 2  # 2: a prepaid pass's months recognised (decision 0063)

    @staticmethod
    def create_id(estate_id: UUID, plate: str, **_: Any) -> UUID:
        return vehicle_id(estate_id, plate)

    @event("Recorded")
    def __init__(
        self, estate_id: UUID, plate: str, unit_id: UUID | None, by: UUID | None, at: datetime
    ) -> None:
        self.estate_id = estate_id
        self.plate = plate
        self.unit_id = unit_id
        self.blocked: str | None = None  # the reason, while blocklisted
        self.passes: dict[str, dict[str, Any]] = {}  # pass ID (str) -> its terms
        self.inside: UUID | None = None  # the open session

    # ---- the unit --------------------------------------------------------

    def register(self, unit_id: UUID, by: UUID, at: datetime) -> None:
        if self.unit_id == unit_id:
            raise InvalidTransition(f"plate: {self.plate} is registered to this unit")
        self._registered(unit_id=unit_id, by=by, at=at)

    @event("RegisteredToUnit")
    def _registered(self, unit_id: UUID, by: UUID, at: datetime) -> None:
        self.unit_id = unit_id

    # ---- the blocklist ---------------------------------------------------

    def block(self, reason: str, by: UUID, at: datetime) -> None:
        if self.blocked is not None:
            raise InvalidTransition(f"plate: {self.plate} is blocklisted already")
        self._blocked(reason=_reason(reason), by=by, at=at)

    @event("Blocked")
    def _blocked(self, reason: str, by: UUID, at: datetime) -> None:
        self.blocked = reason

    def unblock(self, by: UUID, at: datetime) -> None:
        if self.blocked is None:
            raise InvalidTransition(f"plate: {self.plate} is not blocklisted")
        self._unblocked(by=by, at=at)

    @event("Unblocked")
    def _unblocked(self, by: UUID, at: datetime) -> None:
        self.blocked = None

    # ---- passes ----------------------------------------------------------

    def issue_pass(
        self,
        *,
        pass_id: UUID,
        space_id: UUID | None,
        starts_on: date,
        billing: PassBilling,
        months: int | None,
        amount: Decimal | None,
        currency: str,
        method: PaymentMethod | None,
        reference: str | None,
        booked_on: date,
        vat_rate: Decimal,
        by: UUID,
        at: datetime,
    ) -> None:
        """A monthly pass (see the module); the caller has checked the space is the unit's.
        ``vat_rate`` is the estate's for parking (a prepaid pass's price includes VAT)."""
        if self.unit_id is None:
            raise InvalidTransition(f"plate: register {self.plate} to a unit before a pass")
        ends_on: date | None = None
        if billing is PassBilling.UNIT_ACCOUNT:
            if space_id is None:
                raise ValidationFailed("space_id: a pass billed to the unit's account is a space's")
            if months is not None or amount is not None or method is not None:
                raise ValidationFailed("months: only a prepaid pass is bought for months")
            reference = None
        else:
            if months is None or not 1 <= months <= MAX_MONTHS:
                raise ValidationFailed(f"months: a prepaid pass is for 1 to {MAX_MONTHS} months")
            if amount is None or amount <= 0:
                raise ValidationFailed("amount: what was paid for the pass")
            if method is None or not reference or not reference.strip():
                raise ValidationFailed("reference: the receipt or the online payment's reference")
            reference = text(reference, "reference", 100)
            ends_on = add_months(starts_on, months)
        for terms in self.passes.values():
            if terms["cancelled"] is None and _overlaps(terms, starts_on, ends_on):
                raise InvalidTransition(f"starts_on: {self.plate} holds a pass for those days")
        record = self._pass_issued if billing is PassBilling.UNIT_ACCOUNT else self._prepaid_sold
        record(
            pass_id=pass_id,
            estate_id=self.estate_id,
            unit_id=self.unit_id,
            plate=self.plate,
            space_id=space_id,
            starts_on=starts_on,
            ends_on=ends_on,
            billing=str(billing),
            months=months,
            amount=amount,
            currency=currency,
            method=None if method is None else str(method),
            reference=reference,
            booked_on=booked_on,
            vat_rate=vat_rate,
            tax=None if amount is None else vat_of(amount, vat_rate, currency),
            by=by,
            at=at,
        )

    @event("PassIssued")
    def _pass_issued(
        self,
        pass_id: UUID,
        estate_id: UUID,
        unit_id: UUID,
        plate: str,
        space_id: UUID | None,
        starts_on: date,
        ends_on: date | None,
        billing: str,
        months: int | None,
        amount: Decimal | None,
        currency: str,
        method: str | None,
        reference: str | None,
        booked_on: date,
        vat_rate: Decimal,
        tax: Decimal | None,
        by: UUID,
        at: datetime,
    ) -> None:
        self.passes[str(pass_id)] = {
            "starts_on": starts_on,
            "ends_on": ends_on,
            "space_id": space_id,
            "cancelled": None,
            "recognised": None,  # months recognised of a prepaid pass sold since 0063
        }

    @event("PrepaidPassSold")
    def _prepaid_sold(
        self,
        pass_id: UUID,
        estate_id: UUID,
        unit_id: UUID,
        plate: str,
        space_id: UUID | None,
        starts_on: date,
        ends_on: date | None,
        billing: str,
        months: int | None,
        amount: Decimal | None,
        currency: str,
        method: str | None,
        reference: str | None,
        booked_on: date,
        vat_rate: Decimal,
        tax: Decimal | None,
        by: UUID,
        at: datetime,
    ) -> None:
        """A prepaid pass sold: the amount less VAT is owed as service (2204) until
        its months are over."""
        assert amount is not None and tax is not None
        self.passes[str(pass_id)] = {
            "starts_on": starts_on,
            "ends_on": ends_on,
            "space_id": space_id,
            "cancelled": None,
            "recognised": 0,
            "months": months,
            "net": amount - tax,
            "currency": currency,
        }

    # ---- a prepaid pass's revenue, month by month -------------------------

    def recognise_pass_revenue(self, today: date, booked_on: date, at: datetime) -> int:
        """Each month of a prepaid pass that is over by ``today`` (local), not yet
        recognised: its share of the net (the last month takes the rounding). The
        months of a cancelled pass stay owed (a refund is not recorded here).
        How many months were recognised; run again, none."""
        recognised = 0
        for key, terms in list(self.passes.items()):
            done = terms.get("recognised")
            if done is None or terms["cancelled"] is not None:
                continue
            months, net = terms["months"], terms["net"]
            while done < months and add_months(terms["starts_on"], done + 1) < today:
                share = round_money(net / months, terms["currency"])
                amount = net - share * (months - 1) if done + 1 == months else share
                self._revenue_recognised(
                    pass_id=UUID(key),
                    estate_id=self.estate_id,
                    plate=self.plate,
                    month=done + 1,
                    months=months,
                    period_from=_month_start(terms["starts_on"], done),
                    period_to=add_months(terms["starts_on"], done + 1),
                    amount=amount,
                    currency=terms["currency"],
                    booked_on=booked_on,
                    at=at,
                )
                done, recognised = done + 1, recognised + 1
        return recognised

    @event("PassRevenueRecognised")
    def _revenue_recognised(
        self,
        pass_id: UUID,
        estate_id: UUID,
        plate: str,
        month: int,
        months: int,
        period_from: date,
        period_to: date,
        amount: Decimal,
        currency: str,
        booked_on: date,
        at: datetime,
    ) -> None:
        self.passes[str(pass_id)]["recognised"] = month

    def cancel_pass(self, pass_id: UUID, by: UUID, at: datetime) -> None:
        terms = self.passes.get(str(pass_id))
        if terms is None:
            raise ValidationFailed(f"pass_id: {self.plate} holds no pass {pass_id}")
        if terms["cancelled"] is not None:
            raise InvalidTransition("the pass is cancelled already")
        self._pass_cancelled(pass_id=pass_id, by=by, at=at)

    @event("PassCancelled")
    def _pass_cancelled(self, pass_id: UUID, by: UUID, at: datetime) -> None:
        self.passes[str(pass_id)]["cancelled"] = at

    def pass_at(self, at: datetime) -> UUID | None:
        """The pass that lets the vehicle in at ``at`` (local day), if any."""
        day = at.astimezone(LOCAL).date()
        for key, terms in self.passes.items():
            ends = terms["ends_on"]
            if (
                terms["cancelled"] is None
                and terms["starts_on"] <= day
                and (ends is None or day <= ends)
            ):
                return UUID(key)
        return None

    # ---- the barrier -----------------------------------------------------

    def refuse(self, gate: str, at: datetime) -> str:
        """A blocklisted plate at the entry: the barrier stays down, and that is recorded."""
        assert self.blocked is not None
        self._refused(gate=gate, reason=self.blocked, at=at)
        return self.blocked

    @event("EntryRefused")
    def _refused(self, gate: str, reason: str, at: datetime) -> None:
        pass

    def refuse_exit(self, gate: str, at: datetime) -> None:
        """At the exit with no entry recorded: the barrier stays down until the guard
        lets the car out (``ParkingSession.ExitedWithoutEntry``); recorded, never silent."""
        if self.inside is not None:
            raise InvalidTransition(f"plate: {self.plate} is inside (session {self.inside})")
        self._exit_refused(gate=text(gate, "gate", 50), at=at)

    @event("ExitRefused")
    def _exit_refused(self, gate: str, at: datetime) -> None:
        pass

    def enter(self, session_id: UUID, at: datetime) -> None:
        if self.blocked is not None:
            raise InvalidTransition(f"plate: {self.plate} is blocklisted")
        if self.inside is not None:
            raise InvalidTransition(
                f"plate: {self.plate} is inside already (session {self.inside})"
            )
        self._entered(session_id=session_id, at=at)

    @event("Entered")
    def _entered(self, session_id: UUID, at: datetime) -> None:
        self.inside = session_id

    def leave(self, session_id: UUID, at: datetime) -> None:
        if self.inside != session_id:
            raise InvalidTransition(f"plate: {self.plate} is not inside in that session")
        self._left(session_id=session_id, at=at)

    @event("Left")
    def _left(self, session_id: UUID, at: datetime) -> None:
        self.inside = None


def _month_start(starts_on: date, month: int) -> date:
    """The first day of month ``month`` (from 0) of a pass from ``starts_on``."""
    return starts_on if month == 0 else add_months(starts_on, month) + timedelta(days=1)


def _overlaps(terms: dict[str, Any], starts_on: date, ends_on: date | None) -> bool:
    other_end = terms["ends_on"]
    return (other_end is None or starts_on <= other_end) and (
        ends_on is None or terms["starts_on"] <= ends_on
    )
