"""An owner's online payment order, paid only by the provider's verified notification.

The owner (or the owner-facing app) asks to pay an amount for their unit: a
:class:`PaymentOrder` with the merchant's order number (``out_trade_no``)
that the provider echoes back. Nothing is paid by asking: the order is paid
when the provider's notification (WeChat Pay API v3 ``TRANSACTION.SUCCESS``)
arrives, verifies, and its figures agree with the order's (issue 14, online
payments; decision 0027). The order's ID derives from its number, so the
notification finds it without a read model, and a second notification of
the same transaction finds it paid and records nothing new.

Amounts the provider sends are whole fen (分, an ``int``); the order keeps
yuan as a Decimal and compares in fen, never through a float.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.money import exact_money

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/payment-orders")
CURRENCY = "CNY"  # WeChat Pay settles domestic merchants in yuan only
# How long the owner's app may start the payment; a notification that comes
# later is still money received, and is still recorded (the provider closes
# the order on its side at ``expires_at``, so it rarely happens).
ORDER_LIFETIME = timedelta(minutes=30)
MAX_AMOUNT = Decimal("1000000.00")
MAX_BILLS = 24


def order_id_for(out_trade_no: str) -> UUID:
    """The order's ID from the number the provider echoes back."""
    return uuid5(NAMESPACE, out_trade_no)


def out_trade_no_for(seed: UUID) -> str:
    """A fresh merchant order number: 32 characters of [0-9A-Z], as the provider allows."""
    return f"EL{seed.hex[:30].upper()}"


def payment_id_for(provider: str, transaction_id: str) -> UUID:
    """The unit-account payment of one provider transaction: the same on every retry."""
    return uuid5(NAMESPACE, f"{provider}:payment:{transaction_id}")


def fen(amount: Decimal) -> int:
    """Yuan as whole fen; refuses part of a fen."""
    return int(exact_money(amount, CURRENCY) * 100)


class OrderMismatch(ValidationFailed):
    """The provider reports a payment whose figures are not the order's."""

    title = "Notification does not match the order"


@dataclass(frozen=True)
class Settled:
    """What the provider says was paid: its transaction and the figures to compare."""

    transaction_id: str
    total_fen: int
    currency: str
    success_time: datetime


class PaymentOrder(Aggregate):
    """One amount an owner asked to pay online for a unit, or a driver for a parking
    session's fee at the exit (``PlacedForParking``, decision 0063); open until the
    provider pays it."""

    class_version = 2  # 2: the parking session an order may pay

    class PlacedForParking(Aggregate.Created):
        """An order for the fee a parking session owes at the exit: the driver scans
        the exit's code and pays it; the provider's notification pays the session."""

        out_trade_no: str
        provider: str
        estate_id: UUID
        unit_id: UUID | None
        payer_id: UUID | None
        ordered_by: UUID
        amount: Decimal
        currency: str
        bill_ids: list[UUID]
        expires_at: datetime
        at: datetime
        session_id: UUID
        plate: str

        def mutate(self, aggregate: Any) -> Any:
            order = super().mutate(aggregate)
            assert order is not None
            order.session_id = self.session_id
            return order

    @classmethod
    def for_parking(
        cls,
        *,
        out_trade_no: str,
        provider: str,
        estate_id: UUID,
        session_id: UUID,
        plate: str,
        ordered_by: UUID,
        amount: Decimal,
        at: datetime,
    ) -> PaymentOrder:
        """An order for what a parking session owes (more than 0, whole fen, CNY)."""
        value = exact_money(amount, CURRENCY)
        if value <= 0 or value > MAX_AMOUNT:
            raise InvalidTransition("the session owes nothing to pay online")
        return cls._create(
            cls.PlacedForParking,
            id=order_id_for(out_trade_no),
            out_trade_no=out_trade_no,
            provider=provider,
            estate_id=estate_id,
            unit_id=None,
            payer_id=None,
            ordered_by=ordered_by,
            amount=value,
            currency=CURRENCY,
            bill_ids=[],
            expires_at=at + ORDER_LIFETIME,
            at=at,
            session_id=session_id,
            plate=plate,
        )

    @staticmethod
    def create_id(out_trade_no: str, **_: Any) -> UUID:
        return order_id_for(out_trade_no)

    @classmethod
    def place(
        cls,
        *,
        out_trade_no: str,
        provider: str,
        estate_id: UUID,
        unit_id: UUID,
        payer_id: UUID,
        ordered_by: UUID,
        amount: object,
        bill_ids: list[UUID],
        at: datetime,
    ) -> PaymentOrder:
        """A new order: a positive amount in whole fen, at most :data:`MAX_BILLS` bills."""
        value = exact_money(amount, CURRENCY)
        if value <= 0 or value > MAX_AMOUNT:
            raise ValidationFailed(f"amount: more than 0 and at most {MAX_AMOUNT} {CURRENCY}")
        if len(bill_ids) > MAX_BILLS or len(set(bill_ids)) != len(bill_ids):
            raise ValidationFailed(f"bill_ids: at most {MAX_BILLS} different bills")
        return cls(
            out_trade_no=out_trade_no,
            provider=provider,
            estate_id=estate_id,
            unit_id=unit_id,
            payer_id=payer_id,
            ordered_by=ordered_by,
            amount=value,
            currency=CURRENCY,
            bill_ids=list(bill_ids),
            expires_at=at + ORDER_LIFETIME,
            at=at,
        )

    @event("Placed")
    def __init__(
        self,
        out_trade_no: str,
        provider: str,
        estate_id: UUID,
        unit_id: UUID | None,
        payer_id: UUID | None,
        ordered_by: UUID,
        amount: Decimal,
        currency: str,
        bill_ids: list[UUID],
        expires_at: datetime,
        at: datetime,
    ) -> None:
        self.out_trade_no = out_trade_no
        self.provider = provider
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.payer_id = payer_id
        self.ordered_by = ordered_by
        self.amount = amount
        self.currency = currency
        self.bill_ids = bill_ids
        self.expires_at = expires_at
        self.session_id: UUID | None = None  # a parking session's fee (decision 0063)
        self.transaction_id: str | None = None
        self.payment_id: UUID | None = None

    @property
    def paid(self) -> bool:
        return self.transaction_id is not None

    def check(self, settled: Settled) -> bool:
        """Does the provider's payment pay this order? False: it already has (a repeat).

        Refused (nothing recorded) when the figures differ from the order's,
        or when another transaction already paid it.
        """
        if self.transaction_id == settled.transaction_id:
            return False
        if settled.currency != self.currency:
            raise OrderMismatch(
                f"currency: the order is in {self.currency}, the notification in {settled.currency}"
            )
        if settled.total_fen != fen(self.amount):
            raise OrderMismatch(
                f"amount: the order is {fen(self.amount)} fen, the notification {settled.total_fen}"
            )
        if self.transaction_id is not None:
            raise InvalidTransition(
                f"order {self.out_trade_no} is already paid by transaction {self.transaction_id}"
            )
        return True

    def pay(self, settled: Settled, payment_id: UUID, at: datetime) -> None:
        """Mark the order paid by the provider's transaction, as the unit's payment."""
        if self.check(settled):
            self._paid(
                transaction_id=settled.transaction_id,
                payment_id=payment_id,
                success_time=settled.success_time,
                at=at,
            )

    @event("Paid")
    def _paid(
        self, transaction_id: str, payment_id: UUID, success_time: datetime, at: datetime
    ) -> None:
        self.transaction_id = transaction_id
        self.payment_id = payment_id
        self.success_time = success_time
