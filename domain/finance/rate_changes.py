"""How a fee schedule decides a change of rate (R5.1).

The decisions of :class:`~domain.finance.rates.FeeSchedule` about rates: a
change of a rate already in force cites an owners' assembly resolution
carrying an ordinary matter, the first rate of an item may cite the
preliminary property-service contract instead, one change per item waits for
approval at a time, and the approval's outcome adopts or rejects it. They
live apart from the aggregate so that each file reads as one concept; they
record only through the ``@event`` methods of ``FeeSchedule`` (where the
event classes, and so their stored topics, stay).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.money import currency_of
from domain.finance.rate_values import (
    BASES,
    BillingTerms,
    check_rate,
    default_basis,
    fee_item,
    text_of,
)
from domain.finance.resolution import Matter, Resolution


class RateChangeDecisions:
    """Mixed into ``FeeSchedule``: proposing a rate and settling its approval."""

    # What the decisions read of ``FeeSchedule``, for mypy alone. The ``@event``
    # methods are typed loosely: restating their signatures here would be a
    # second copy to keep in step, and the tests call every one of them.
    if TYPE_CHECKING:
        changes: dict[UUID, dict[str, Any]]
        billing_terms: BillingTerms
        adopted: Callable[[str], list[dict[str, Any]]]
        pending: Callable[[str], dict[str, Any] | None]
        _rate_change_proposed: Callable[..., None]
        _rate_change_adopted: Callable[..., None]
        _rate_change_rejected: Callable[..., None]

    def propose_rate_change(
        self,
        *,
        change_id: UUID,
        item: str,
        rate: object,
        currency: str,
        basis: str | None,
        effective_from: date,
        resolution: Resolution | None,
        contract_reference: str | None,
        approval_id: UUID,
        proposed_by: UUID,
        at: datetime,
    ) -> None:
        """Propose a new rate for ``item``; it is adopted when its approval is.

        A change to an item with an adopted rate cites an owners' resolution
        carrying an ordinary matter; the first rate of an item may cite the
        preliminary property-service contract instead. One change per item
        waits for approval at a time.
        """
        item = fee_item(item)
        basis = basis or default_basis(item)
        if basis not in BASES[item]:
            allowed = ", ".join(BASES[item]) or "none: shared costs are split by area"
            raise ValidationFailed(f"basis of {item}: {allowed}")
        price = check_rate(rate)
        currency = currency_of(currency)
        if currency != self.billing_terms.currency:
            raise ValidationFailed(
                f"currency: this estate bills in {self.billing_terms.currency}, not {currency}"
            )
        if effective_from.day != 1:
            raise ValidationFailed("effective_from: rates change on the first day of a month")
        if effective_from < at.date().replace(day=1):
            raise ValidationFailed("effective_from: not before the current month")
        if change_id in self.changes:
            raise InvalidTransition("this rate change was already proposed")
        waiting = self.pending(item)
        if waiting is not None:
            raise InvalidTransition(
                f"a change of {item} is already awaiting approval ({waiting['id']})"
            )
        reference = (
            text_of(contract_reference, "contract_reference", 100)
            if contract_reference is not None
            else None
        )
        if self.adopted(item):
            if resolution is None:
                raise ValidationFailed(
                    f"{item} already has a rate: a change needs an owners' assembly resolution"
                )
        elif resolution is None and reference is None:
            raise ValidationFailed(
                f"the first rate of {item} cites an owners' assembly resolution "
                "or the preliminary property-service contract (contract_reference)"
            )
        if resolution is not None:
            resolution.require(Matter.ORDINARY)
        self._rate_change_proposed(
            change_id=change_id,
            item=item,
            rate=price,
            currency=currency,
            basis=basis,
            effective_from=effective_from,
            resolution=resolution.as_dict() if resolution is not None else None,
            contract_reference=reference,
            approval_id=approval_id,
            proposed_by=proposed_by,
            at=at,
        )

    def approval_decided(self, approval_id: UUID, outcome: str, at: datetime) -> None:
        """The approval of a change became final: approved adopts it; rejected
        or withdrawn rejects it. Anything else, or a change already decided, is ignored."""
        change = next((c for c in self.changes.values() if c["approval_id"] == approval_id), None)
        if change is None or change["status"] != "pending":
            return
        if outcome == "approved":
            self._rate_change_adopted(change_id=change["id"], approval_id=approval_id, at=at)
        elif outcome in ("rejected", "withdrawn"):
            self._rate_change_rejected(
                change_id=change["id"], approval_id=approval_id, outcome=outcome, at=at
            )
