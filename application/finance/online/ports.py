"""What the online-payment service asks of a payment provider, and how it refuses.

The provider's adapter (``infrastructure/wechatpay.py``) checks a
notification's signature, freshness and merchant and decrypts its resource;
the service then matches it to an order and records the payment. Every
refusal carries the HTTP status the provider should see: a 4xx or 5xx
answer makes the provider send the notification again later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from domain.errors import DomainError


class NotificationRefused(DomainError):
    """A notification that records nothing; ``status`` is the answer the provider gets."""

    status = 400
    title = "Notification refused"


class NotConfigured(NotificationRefused):
    status = 503
    title = "Online payments are not configured"


class BadSignature(NotificationRefused):
    """Unsigned, signed by a key we do not hold, tampered with, or too old or new."""

    status = 401
    title = "Notification signature not verified"


class BadNotification(NotificationRefused):
    """Signed, but not a successful payment in the documented format, or undecryptable."""

    status = 400
    title = "Malformed notification"


class MerchantMismatch(NotificationRefused):
    """A payment to another merchant or app than ours."""

    status = 422
    title = "Notification is for another merchant"


class UnknownOrder(NotificationRefused):
    status = 404
    title = "No such payment order"


@dataclass(frozen=True)
class ProviderTransaction:
    """The decrypted resource of a verified ``TRANSACTION.SUCCESS`` notification."""

    notification_id: str
    out_trade_no: str
    transaction_id: str
    trade_type: str
    success_time: datetime
    payer_openid: str
    total: int  # fen
    payer_total: int  # fen
    currency: str


@dataclass(frozen=True)
class Prepay:
    """What the owner's app passes to the provider's client to pay the order."""

    prepay_id: str
    client: Mapping[str, str]


class PaymentProvider(Protocol):
    name: str

    @property
    def configured(self) -> bool: ...

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> ProviderTransaction:
        """The transaction of a notification that verifies, or :class:`NotificationRefused`."""
        ...

    def prepay(
        self, out_trade_no: str, total: int, description: str, expires_at: datetime
    ) -> Prepay:
        """Open the order with the provider; what the client needs to pay it."""
        ...


class OnlineClearing(Protocol):
    def unsettled(self, estate_id: UUID, currency: str) -> Decimal:
        """The balance of 1012 for the estate: online money the provider has not paid out."""
        ...


class UnconfiguredProvider:
    """The provider when no merchant is configured: every use answers 503."""

    name = "wechatpay"
    configured = False

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> ProviderTransaction:
        raise NotConfigured("online payments are not configured on this service")

    def prepay(
        self, out_trade_no: str, total: int, description: str, expires_at: datetime
    ) -> Prepay:
        raise NotConfigured("online payments are not configured on this service")
