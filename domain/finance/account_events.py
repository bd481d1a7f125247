"""The shapes of the unit account's versioned events: fields, version, upcasters.

Each is the base of the event class of the same name declared on
:class:`~domain.finance.account.UnitAccount`, which keeps the topic the
events are stored under (``domain.finance.account:UnitAccount.PaymentReceived``);
the fields and the upcasters of the older versions live here, so that the
aggregate's module holds its decisions' events and not their history.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.finance.bills import bill_issued_v1_v2


class BillIssued(Aggregate.Event):
    """v2 (decision 0023): ``recognised_on`` and each line's ``vat_rate``, ``net``,
    ``tax``, ``treatment``; a v1 bill was revenue on its issue day, no VAT."""

    class_version = 2
    estate_id: UUID
    unit_id: UUID
    bill_id: UUID
    period: str
    run_id: UUID
    payer_ids: list[UUID]
    lines: list[dict[str, Any]]
    amount: Decimal
    currency: str
    days: int
    days_in_period: int
    issued_on: date
    due_on: date
    booked_on: date
    recognised_on: date
    at: datetime

    upcast_v1_v2 = staticmethod(bill_issued_v1_v2)


class PaymentReceived(Aggregate.Event):
    """Version 2 names the payer whose debts it paid (decision 0021) and the day
    the money arrived (到账日). A version 1 payment named no payer: its credit
    is nobody's in particular, as then, and its money arrived the day it was booked."""

    class_version = 2
    estate_id: UUID
    unit_id: UUID
    payment_id: UUID
    method: str
    reference: str | None
    amount: Decimal
    currency: str
    allocations: list[dict[str, Any]]
    to_credit: Decimal
    recorded_by: UUID
    booked_on: date
    at: datetime
    payer_id: UUID | None
    received_on: date

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["payer_id"] = None
        state["received_on"] = state["booked_on"]


class LateFeeCharged(Aggregate.Event):
    """v2 (decision 0022): ``accrued``, the exact interest through ``through``.
    v3: ``tax``, the output VAT in the fee (a 违约金 is 价外费用 of the service it is
    charged on: 财税 2016 年 36 号, annex 1, art. 37); before v3 a fee carried none."""

    class_version = 3
    estate_id: UUID
    unit_id: UUID
    bill_id: UUID
    amount: Decimal
    currency: str
    days: int
    daily_rate: Decimal
    through: date
    booked_on: date
    at: datetime
    accrued: Decimal | None
    tax: Decimal

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["accrued"] = None

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["tax"] = Decimal(0)


class LateFeeWaived(Aggregate.Event):
    """v2: ``tax``, the output VAT in the late fee waived, taken back with it; a v1
    waiver of a late fee took back none, as its fee carried none."""

    class_version = 2
    estate_id: UUID
    unit_id: UUID
    waiver_id: UUID
    bill_id: UUID
    amount: Decimal
    currency: str
    approval_id: UUID
    booked_on: date
    at: datetime
    tax: Decimal

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["tax"] = Decimal(0)


class BillWaived(Aggregate.Event):
    """v2: ``tax``, the output VAT in the principal waived, taken back from 2221.01;
    ``recognised_on``, the day the waiver comes off revenue: a bill billed ahead is
    waived out of 2204 until its month begins (decision 0023). A v1 waiver took
    back no VAT and came off revenue the day it was booked, as it always will."""

    class_version = 2
    estate_id: UUID
    unit_id: UUID
    waiver_id: UUID
    bill_id: UUID
    amount: Decimal
    currency: str
    approval_id: UUID
    booked_on: date
    at: datetime
    tax: Decimal
    recognised_on: date

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["tax"] = Decimal(0)
        state["recognised_on"] = state["booked_on"]


class WaiverRequested(Aggregate.Event):
    """v2 (decision 0022): ``part``, ``bill`` (v1's only kind) or ``late_fee``."""

    class_version = 2
    waiver_id: UUID
    bill_id: UUID
    amount: Decimal
    currency: str
    reason: str
    approval_id: UUID
    requested_by: UUID
    at: datetime
    part: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["part"] = "bill"
