"""A parking session's fee paid online through the provider's order (decision 0063).

At the exit the barrier stays down while a fee is owed; the gate asks for a
provider order of that fee (``PaymentOrder.PlacedForParking``), the driver
scans its code and pays. The provider's verified notification then pays the
session (``ParkingSession.Paid``, method ``online``, reference the
transaction) and marks the order paid, in one append: so a parking payment
in 1012 is a provider transaction like a bill's, and the provider's
settlements clear it. A repeated or concurrent notification finds the order
paid and records nothing; a notification for a session no longer owing that
fee (paid in cash meanwhile, released) is refused and logged, for the
operator to refund.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.finance.online.commands import PlaceParkingOrder
from application.parking.service import GATE, ParkingNotFound, parking_vat_rate
from application.services import ServiceDeps, find
from domain.errors import InvalidTransition
from domain.finance.online_orders import PaymentOrder, Settled, out_trade_no_for
from domain.parking.session import ParkingSession, SessionStatus
from domain.parking.vehicle import PaymentMethod

ATTEMPTS = 20


def order_for(deps: ServiceDeps, command: PlaceParkingOrder, provider: str) -> PaymentOrder:
    """The order of what the session owes now; the gate of its estate asks."""
    session = find(deps.event_log, command.session_id, ParkingSession)
    if session is None:
        raise ParkingNotFound()
    command.actor.check("parking:read", None, session.estate_id)
    command.actor.require(GATE, None, session.estate_id)
    if session.status is not SessionStatus.AWAITING_PAYMENT:
        raise InvalidTransition(f"the session is {session.status}: nothing is owed")
    return PaymentOrder.for_parking(
        out_trade_no=out_trade_no_for(deps.ids()),
        provider=provider,
        estate_id=session.estate_id,
        session_id=session.id,
        plate=session.plate,
        ordered_by=command.actor.user_id,
        amount=session.fee,
        at=deps.clock(),
    )


def paid(
    deps: ServiceDeps,
    order: PaymentOrder,
    settled: Settled,
    payment_id: UUID,
    by: UUID,
    now: datetime,
) -> bool:
    """The session paid by the provider's transaction (recorded as ``by``, the provider)
    and the order marked paid, in one append; False when an earlier copy of the
    notification recorded it."""
    assert order.session_id is not None
    for _ in range(ATTEMPTS):
        if not order.check(settled):
            return False
        session = find(deps.event_log, order.session_id, ParkingSession)
        assert session is not None
        if session.status is not SessionStatus.AWAITING_PAYMENT or session.fee != order.amount:
            raise InvalidTransition(
                f"order {order.out_trade_no}: the session is {session.status}, owing "
                f"{session.fee}, not the order's {order.amount}; refund the payment"
            )
        session.pay(
            PaymentMethod.ONLINE,
            settled.transaction_id,
            # The day the provider took the money, as a UTC date like every booking day.
            settled.success_time.astimezone(UTC).date(),
            parking_vat_rate(deps, session.estate_id),
            by,
            now,
        )
        order.pay(settled, payment_id, now)
        try:
            deps.event_log.save_and_position(session, order)
            return True
        except IntegrityError:  # the same notification, at the same moment
            order = find(deps.event_log, order.id, PaymentOrder) or order
    raise InvalidTransition("the order is busy; the provider will retry")
