"""The provider's settlement of online payments to the bank, less its fee.

Online payments sit in 1012 其他货币资金—第三方支付 until the provider pays
them out to the company's bank account, less its service fee (WeChat Pay's
standard rate is 0.6%). Finance records each settlement from the provider's
statement: the gross it clears from 1012, the fee (财务费用—手续费) and what
reached the bank (1002). One settlement per provider batch reference and
estate: its ID derives from them, so the same statement line twice conflicts
(decision 0027).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import ValidationFailed
from domain.finance import accounts as chart
from domain.finance.journal import Entry, Line, PostingFunction
from domain.finance.money import exact_money, round_money

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/provider-settlements")
CLEARING = uuid5(NAMESPACE_URL, "https://estatelog/finance/provider-clearing")


def settlement_id(estate_id: UUID, provider: str, reference: str) -> UUID:
    return uuid5(NAMESPACE, f"{estate_id}:{provider}:{reference.strip().upper()}")


def fee_at(gross: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The provider's fee on ``gross`` at ``rate``, rounded half-up to the fen."""
    return round_money(gross * rate, currency)


class ProviderSettlement(Aggregate):
    """One payout of a provider to the bank: gross cleared from 1012, fee, net.

    Recorded with its fee (``FeeCharged``, when there is one) in one append."""

    @staticmethod
    def create_id(estate_id: UUID, provider: str, reference: str, **_: Any) -> UUID:
        return settlement_id(estate_id, provider, reference)

    @classmethod
    def record(
        cls,
        *,
        estate_id: UUID,
        provider: str,
        reference: str,
        settled_on: date,
        gross: object,
        fee: object,
        currency: str,
        recorded_by: UUID,
        on: date,
        at: datetime,
    ) -> ProviderSettlement:
        """A settlement: gross above zero, a fee from zero to below the gross."""
        ref = reference.strip()
        if not ref or len(ref) > 64:
            raise ValidationFailed("reference: the provider's batch reference, 1-64 characters")
        gross_value = exact_money(gross, currency, "gross")
        fee_value = exact_money(fee, currency, "fee")
        if gross_value <= 0:
            raise ValidationFailed("gross: more than 0")
        if fee_value < 0 or fee_value >= gross_value:
            raise ValidationFailed("fee: from 0 to less than the gross")
        settlement = cls(
            estate_id=estate_id,
            provider=provider,
            reference=ref,
            settled_on=settled_on,
            gross=gross_value,
            fee=fee_value,
            net=gross_value - fee_value,
            currency=currency,
            recorded_by=recorded_by,
            booked_on=on,
            at=at,
        )
        if fee_value > 0:
            settlement._fee_charged(
                estate_id=estate_id,
                provider=provider,
                reference=ref,
                fee=fee_value,
                currency=currency,
                booked_on=on,
                at=at,
            )
        return settlement

    @event("Recorded")
    def __init__(
        self,
        estate_id: UUID,
        provider: str,
        reference: str,
        settled_on: date,
        gross: Decimal,
        fee: Decimal,
        net: Decimal,
        currency: str,
        recorded_by: UUID,
        booked_on: date,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.provider = provider
        self.reference = reference
        self.gross, self.fee, self.net = gross, fee, net

    @event("FeeCharged")
    def _fee_charged(
        self,
        estate_id: UUID,
        provider: str,
        reference: str,
        fee: Decimal,
        currency: str,
        booked_on: date,
        at: datetime,
    ) -> None:
        pass


class ProviderClearing(Aggregate):
    """The estate's online clearing (1012) at one provider, as settlements take from it.

    A settlement is checked against what 1012 holds unsettled, read from the
    ledger; two settlements checked at once would both pass and together clear
    more than it holds. Each settlement takes from this aggregate in the same
    save: the second to save meets the first's version, and is checked again.
    It posts nothing: the settlements themselves post (:func:`post`)."""

    @staticmethod
    def create_id(estate_id: UUID, provider: str, **_: Any) -> UUID:
        return uuid5(CLEARING, f"{estate_id}:{provider}")

    @event("Opened")
    def __init__(self, estate_id: UUID, provider: str, at: datetime) -> None:
        self.estate_id = estate_id
        self.provider = provider

    @event("SettlementTaken")
    def take(self, settlement_id: UUID, gross: Decimal, currency: str, at: datetime) -> None:
        pass


def post(name: str, p: Any) -> Entry | None:
    """``Recorded``: Dr 1002 / Cr 1012, the net (a transfer between cash accounts);
    ``FeeCharged``: Dr 6603.01 / Cr 1012, the fee (a payment, in the cash-flow statement).

    Two entries rather than one of three lines, so the cash-flow statement,
    which classifies a cash line by the other accounts of its entry, shows
    the payout as a transfer and only the fee as money paid out.
    """
    cur, source = p["currency"], f"{p['provider']} settlement {p['reference']}"
    if name == "Recorded":
        lines = [
            Line.dr(chart.BANK, p["net"], cur),
            Line.cr(chart.ONLINE_CLEARING, p["net"], cur),
        ]
        return Entry(p["estate_id"], p["booked_on"], source, tuple(lines))
    if name == "FeeCharged":
        lines = [
            Line.dr(chart.PAYMENT_FEES, p["fee"], cur),
            Line.cr(chart.ONLINE_CLEARING, p["fee"], cur),
        ]
        return Entry(p["estate_id"], p["booked_on"], f"{source}: fee", tuple(lines))
    return None


POSTINGS: dict[str, PostingFunction] = {"ProviderSettlement": post}
