"""Online payments (decision 0027): an order, the provider's verified notification, settlement.

An owner's online payment exists only once the provider's notification has
verified (:class:`PaymentProvider.verify`) and matches an open order; it is
then recorded through the unit account's own payment handler, method
``online``, its reference the provider's transaction ID, so the reference
claim (``domain/finance/references.py``) makes the transaction pay once per
estate whatever the retries. A repeated or concurrent notification finds
the payment (its ID derives from the transaction) and answers success.

Every refusal is logged for the operator with the order number and the
reason, never a key, a signature or the encrypted resource.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import IntegrityError

from application.actor import system_acting_for
from application.errors import NotFound
from application.finance.accounts import AccountService
from application.finance.accounts.commands import RecordPayment
from application.finance.accounts.service import UnitNotFound
from application.finance.ledger import LEDGER, WAIT_SECONDS, LedgerBehind
from application.finance.online import parking
from application.finance.online.commands import (
    PlaceOrder,
    PlaceParkingOrder,
    ReceiveNotification,
    RecordSettlement,
)
from application.finance.online.ports import (
    NotConfigured,
    NotificationRefused,
    OnlineClearing,
    PaymentProvider,
    Prepay,
    UnknownOrder,
)
from application.registry import lookups
from application.services import ServiceDeps, find
from domain.errors import DomainError, InvalidTransition, ValidationFailed
from domain.finance.bills import Method
from domain.finance.money import Money
from domain.finance.online_orders import (
    CURRENCY,
    PaymentOrder,
    Settled,
    fen,
    order_id_for,
    out_trade_no_for,
    payment_id_for,
)
from domain.finance.online_settlements import (
    ProviderClearing,
    ProviderSettlement,
    fee_at,
    settlement_id,
)

log = logging.getLogger(__name__)

#: Who records a provider's payment: the provider, not a person.
PROVIDER_USER = uuid5(NAMESPACE_URL, "https://estatelog/finance/providers/wechatpay")
ORDER_ATTEMPTS = 20


@dataclass(frozen=True)
class PlacedOrder:
    order: PaymentOrder
    prepay: Prepay
    position: int


class OnlinePayments:
    def __init__(
        self,
        deps: ServiceDeps,
        accounts: AccountService,
        provider: PaymentProvider,
        clearing: OnlineClearing,
        fee_rate: Decimal,
    ) -> None:
        self.deps, self.accounts, self.provider = deps, accounts, provider
        self.clearing, self.fee_rate = clearing, fee_rate

    # ---- the owner's order ---------------------------------------------------------------

    def place_order(self, command: PlaceOrder) -> PlacedOrder:
        """An order for the unit, with what the client passes to the provider to pay it."""
        estate_id = lookups.unit_estate(self.deps.event_log, command.unit_id)
        if estate_id is None:
            raise UnitNotFound("no such unit")
        owners = [
            row
            for row in self.deps.registry.ownerships(estate_id, command.unit_id)
            if row.moved_out_on is None
        ]
        command.actor.check("payments:pay", {r.user_id for r in owners if r.user_id}, estate_id)
        payer = next((r for r in owners if r.user_id == command.actor.user_id), None)
        payer = payer or (owners[0] if owners else None)
        if payer is None:
            raise InvalidTransition("the unit has no owner to pay for it")
        amount = self._amount(command)
        if not self.provider.configured:
            raise NotConfigured("online payments are not configured on this service")
        now = self.deps.clock()
        order = PaymentOrder.place(
            out_trade_no=out_trade_no_for(self.deps.ids()),
            provider=self.provider.name,
            estate_id=estate_id,
            unit_id=command.unit_id,
            payer_id=payer.person_id,
            ordered_by=command.actor.user_id,
            amount=amount,
            bill_ids=command.bill_ids,
            at=now,
        )
        prepay = self.provider.prepay(
            order.out_trade_no, fen(order.amount), "物业费", order.expires_at
        )
        return PlacedOrder(order, prepay, self.deps.event_log.save_and_position(order))

    def _amount(self, command: PlaceOrder) -> Decimal:
        """The amount asked, or what the named bills still owe; the bills must be open."""
        account = self.accounts.account(command.unit_id)
        owed = Decimal(0)
        for bill_id in command.bill_ids:
            bill = account.bills.get(bill_id) if account is not None else None
            if bill is None or bill.outstanding <= 0:
                raise ValidationFailed(f"bill_ids: {bill_id} is not an open bill of this unit")
            owed += bill.outstanding
        if command.amount is not None:
            if command.amount.currency != CURRENCY:
                raise ValidationFailed(f"amount: online payments are in {CURRENCY}")
            return command.amount.amount
        if not command.bill_ids:
            raise ValidationFailed("amount: give an amount, or the bills to pay")
        return owed

    def place_parking_order(self, command: PlaceParkingOrder) -> PlacedOrder:
        """An order for what a parking session owes at the exit (decision 0063)."""
        order = parking.order_for(self.deps, command, self.provider.name)  # authorized first
        if not self.provider.configured:
            raise NotConfigured("online payments are not configured on this service")
        prepay = self.provider.prepay(
            order.out_trade_no, fen(order.amount), "临时停车费", order.expires_at
        )
        return PlacedOrder(order, prepay, self.deps.event_log.save_and_position(order))

    # ---- the provider's notification -----------------------------------------------------

    def notify(self, command: ReceiveNotification) -> bool:
        """Record the payment a verified notification reports: True, or False for a repeat."""
        try:
            return self._notified(command)
        except (NotificationRefused, DomainError) as refused:
            log.warning(
                "online payment notification refused (%s): %s",
                type(refused).__name__,
                getattr(refused, "detail", refused),
            )
            raise

    def _notified(self, command: ReceiveNotification) -> bool:
        now = self.deps.clock()
        tx = self.provider.verify(command.headers, command.body, now)
        order = find(self.deps.event_log, order_id_for(tx.out_trade_no), PaymentOrder)
        if order is None:
            raise UnknownOrder(f"no payment order {tx.out_trade_no}")
        settled = Settled(tx.transaction_id, tx.total, tx.currency, tx.success_time)
        if not order.check(settled):
            return False
        payment_id = payment_id_for(order.provider, tx.transaction_id)
        if order.session_id is not None:  # a parking session's fee at the exit
            return parking.paid(self.deps, order, settled, payment_id, PROVIDER_USER, now)
        self._record_payment(order, settled, payment_id)
        for _ in range(ORDER_ATTEMPTS):
            try:
                order.pay(settled, payment_id, now)
                if order.pending_events:
                    self.deps.event_log.save_and_position(order)
                return True
            except IntegrityError:  # the same notification, at the same moment
                order = find(self.deps.event_log, order.id, PaymentOrder) or order
        raise InvalidTransition("the order is busy; the provider will retry")

    def _record_payment(self, order: PaymentOrder, settled: Settled, payment_id: UUID) -> None:
        """The unit account's payment of the transaction, unless an earlier try recorded it."""
        assert order.unit_id is not None and order.payer_id is not None
        account = self.accounts.account(order.unit_id)
        if account is not None and payment_id in account.payments:
            return
        bills = {} if account is None else account.bills
        bill_id = next((b for b in order.bill_ids if b in bills and bills[b].outstanding > 0), None)
        payment = RecordPayment(
            actor=system_acting_for(PROVIDER_USER),
            unit_id=order.unit_id,
            amount=Money(Decimal(settled.total_fen).scaleb(-2), CURRENCY),
            method=Method.ONLINE,
            reference=settled.transaction_id,
            bill_id=bill_id,
            payment_id=payment_id,
            payer_id=order.payer_id,
            # The day the provider took the money (到账日), as a UTC date like every
            # booking day: China's date could be a day after the service's today.
            received_on=settled.success_time.astimezone(UTC).date(),
        )
        try:
            self.accounts.pay(payment)
        except DomainError:
            account = self.accounts.account(order.unit_id)
            if account is None or payment_id not in account.payments:
                raise  # not a concurrent copy of this notification: the operator must look

    # ---- the provider's payout to the bank -----------------------------------------------

    def settle(self, command: RecordSettlement) -> tuple[UUID, int]:
        """Clear 1012 by a payout: net to the bank, the fee to 财务费用—手续费."""
        if not lookups.estate_exists(self.deps.event_log, command.estate_id):
            raise NotFound("no such estate")
        command.actor.check("finance:manage", None, command.estate_id)
        gross = command.gross
        fee = command.fee or Money(
            fee_at(gross.amount, self.fee_rate, gross.currency), gross.currency
        )
        if fee.currency != gross.currency:
            raise ValidationFailed("fee: in the gross's currency")
        # Settlements of one estate and provider are decided one at a time: each takes
        # from the clearing aggregate, so of two racing the later meets a newer
        # version and is checked again against 1012 with the other on the books.
        for _ in range(5):
            try:
                return self._settle_once(command, gross, fee)
            except IntegrityError:
                continue
        raise InvalidTransition("settlements are being recorded by someone else; try again")

    def _settle_once(self, command: RecordSettlement, gross: Money, fee: Money) -> tuple[UUID, int]:
        name = self.provider.name
        sid = settlement_id(command.estate_id, name, command.reference)
        if find(self.deps.event_log, sid, ProviderSettlement) is not None:
            raise InvalidTransition(f"settlement {command.reference.strip()} is already recorded")
        now: datetime = self.deps.clock()
        clearing_id = ProviderClearing.create_id(command.estate_id, name)
        clearing = find(self.deps.event_log, clearing_id, ProviderClearing)
        if clearing is None:
            clearing = ProviderClearing(estate_id=command.estate_id, provider=name, at=now)
        if not self.deps.progress.wait(LEDGER, self.deps.event_log.head(), WAIT_SECONDS):
            raise LedgerBehind("the ledger read model is behind the log; retry shortly")
        unsettled = self.clearing.unsettled(command.estate_id, gross.currency)
        if gross.amount > unsettled:
            raise InvalidTransition(
                f"gross: {gross} is more than the {unsettled:.2f} of online payments "
                "not yet settled (1012)"
            )
        settlement = ProviderSettlement.record(
            estate_id=command.estate_id,
            provider=name,
            reference=command.reference,
            settled_on=command.settled_on,
            gross=gross.amount,
            fee=fee.amount,
            currency=gross.currency,
            recorded_by=command.actor.user_id,
            on=now.date(),
            at=now,
        )
        clearing.take(settlement_id=sid, gross=gross.amount, currency=gross.currency, at=now)
        return settlement.id, self.deps.event_log.save_and_position(settlement, clearing)
