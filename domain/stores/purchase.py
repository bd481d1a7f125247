"""Purchase requests (采购申请) and stocktakes (盘点), both through the approval workflow.

A purchase request names its store, the parts and quantities wanted and an
estimated unit price each; its estimated amount screens its approval (kind
``purchase_request``). Goods are received only against an approved request,
line by line and in as many receipts as the vendor delivers, never more than
was approved; the request is ``received`` when every line is.

A stocktake records what was counted against what the books held at that
moment; its differences wait for approval (kind ``stocktake_difference``)
before the store's stock changes. A count without differences is closed at
once, with no approval.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.money import currency_of, exact_money, round_money
from domain.stores.rules import part_lines, quantity, text

ZERO = Decimal(0)


class RequestStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


R = RequestStatus
RECEIVING = frozenset({R.APPROVED, R.PARTIALLY_RECEIVED})


class PurchaseRequest(Aggregate):
    """Parts asked for one store, through approval to their receipt."""

    @classmethod
    def submit(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        store_id: UUID,
        lines: list[dict[str, Any]],
        currency: str,
        reason: str,
        requested_by: UUID,
        approval_id: UUID,
        at: datetime,
    ) -> PurchaseRequest:
        currency = currency_of(currency)
        checked = part_lines(lines, "unit_price")
        for i, line in enumerate(checked):
            price = exact_money(line["unit_price"], currency, f"lines[{i}].unit_price")
            if price < 0:
                raise ValidationFailed(f"lines[{i}].unit_price: must not be negative")
            line["unit_price"] = price
        amount = sum(
            (round_money(line["quantity"] * line["unit_price"], currency) for line in checked),
            ZERO,
        )
        return cls(
            id=id,
            estate_id=estate_id,
            store_id=store_id,
            lines=checked,
            amount=amount,
            currency=currency,
            reason=text(reason, "reason", 1000),
            requested_by=requested_by,
            approval_id=approval_id,
            at=at,
        )

    @event("Submitted")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        store_id: UUID,
        lines: list[dict[str, Any]],
        amount: Decimal,
        currency: str,
        reason: str,
        requested_by: UUID,
        approval_id: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.store_id = store_id
        self.lines = lines
        self.amount = amount
        self.currency = currency
        self.requested_by = requested_by
        self.approval_id = approval_id
        self.status = R.AWAITING_APPROVAL
        self.received: dict[str, Decimal] = {}

    def outstanding(self, part: str) -> Decimal:
        """What is approved of the part and not yet received."""
        wanted = next((line["quantity"] for line in self.lines if line["part_id"] == part), ZERO)
        return wanted - self.received.get(part, ZERO)

    def approval_decided(self, approval_id: UUID, outcome: str, at: datetime) -> bool:
        if approval_id != self.approval_id or self.status is not R.AWAITING_APPROVAL:
            return False
        if outcome == "approved":
            self._approved(approval_id=approval_id, at=at)
        elif outcome in ("rejected", "withdrawn"):
            self._rejected(approval_id=approval_id, outcome=outcome, at=at)
        else:
            return False
        return True

    @event("Approved")
    def _approved(self, approval_id: UUID, at: datetime) -> None:
        self.status = R.APPROVED

    @event("Rejected")
    def _rejected(self, approval_id: UUID, outcome: str, at: datetime) -> None:
        self.status = R.REJECTED if outcome == "rejected" else R.WITHDRAWN

    def withdraw(self, by: UUID, reason: str, at: datetime) -> None:
        """Take back a request still awaiting approval (its approval is withdrawn with it)."""
        if self.status is not R.AWAITING_APPROVAL:
            raise InvalidTransition(
                f"only a request awaiting approval is withdrawn (it is {self.status})"
            )
        self._withdrawn(by=by, reason=text(reason, "reason", 500), at=at)

    @event("Withdrawn")
    def _withdrawn(self, by: UUID, reason: str, at: datetime) -> None:
        self.status = R.WITHDRAWN

    def receive(
        self, *, receipt_id: UUID, vendor_id: UUID, lines: list[dict[str, Any]], at: datetime
    ) -> list[dict[str, Any]]:
        """Record a delivery against the request; the checked lines (part, quantity, price)."""
        if self.status not in RECEIVING:
            raise InvalidTransition(
                f"goods are received against an approved request ({self.status})"
            )
        checked = part_lines(lines, "unit_price")
        for i, line in enumerate(checked):
            left = self.outstanding(line["part_id"])
            if line["quantity"] > left:
                raise ValidationFailed(f"lines[{i}].quantity: {left} outstanding on the request")
            price = exact_money(line["unit_price"], self.currency, f"lines[{i}].unit_price")
            if price < 0:
                raise ValidationFailed(f"lines[{i}].unit_price: must not be negative")
            line["unit_price"] = price
        self._goods_received(
            receipt_id=receipt_id,
            vendor_id=vendor_id,
            lines=[{"part_id": x["part_id"], "quantity": x["quantity"]} for x in checked],
            at=at,
        )
        return checked

    @event("GoodsReceived")
    def _goods_received(
        self, receipt_id: UUID, vendor_id: UUID, lines: list[dict[str, Any]], at: datetime
    ) -> None:
        for line in lines:
            part = line["part_id"]
            self.received[part] = self.received.get(part, ZERO) + line["quantity"]
        done = all(self.outstanding(line["part_id"]) == 0 for line in self.lines)
        self.status = R.RECEIVED if done else R.PARTIALLY_RECEIVED


class StocktakeStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    BALANCED = "balanced"  # no differences
    APPROVED = "approved"
    REJECTED = "rejected"


class Stocktake(Aggregate):
    """A count of one store: counted against book quantities, differences approved."""

    @classmethod
    def record(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        store_id: UUID,
        counts: list[dict[str, Any]],
        book: dict[str, Decimal],
        note: str,
        counted_by: UUID,
        approval_id: UUID,
        at: datetime,
    ) -> Stocktake:
        """``counts``: each line's ``part_id`` and ``counted`` (0 or more)."""
        if not counts:
            raise ValidationFailed("lines: at least one line")
        lines: list[dict[str, Any]] = []
        for i, count in enumerate(counts):
            part = str(count.get("part_id", ""))
            if any(line["part_id"] == part for line in lines):
                raise ValidationFailed(f"lines[{i}].part_id: each part once")
            counted = quantity(count.get("counted"), f"lines[{i}].counted", zero=True)
            held = book.get(part, ZERO)
            lines.append(
                {"part_id": part, "counted": counted, "book": held, "difference": counted - held}
            )
        differs = any(line["difference"] != 0 for line in lines)
        return cls(
            id=id,
            estate_id=estate_id,
            store_id=store_id,
            lines=lines,
            note=(note or "").strip()[:1000],
            counted_by=counted_by,
            approval_id=approval_id if differs else None,
            at=at,
        )

    @event("Recorded")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        store_id: UUID,
        lines: list[dict[str, Any]],
        note: str,
        counted_by: UUID,
        approval_id: UUID | None,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.store_id = store_id
        self.lines = lines
        self.counted_by = counted_by
        self.approval_id = approval_id
        differs = approval_id is not None
        self.status = StocktakeStatus.AWAITING_APPROVAL if differs else StocktakeStatus.BALANCED

    @property
    def differences(self) -> dict[str, Decimal]:
        return {x["part_id"]: x["difference"] for x in self.lines if x["difference"] != 0}

    def approval_decided(self, approval_id: UUID, outcome: str, at: datetime) -> bool:
        if approval_id != self.approval_id or self.status is not StocktakeStatus.AWAITING_APPROVAL:
            return False
        if outcome == "approved":
            self._approved(approval_id=approval_id, at=at)
        elif outcome in ("rejected", "withdrawn"):
            self._rejected(approval_id=approval_id, outcome=outcome, at=at)
        else:
            return False
        return True

    @event("Approved")
    def _approved(self, approval_id: UUID, at: datetime) -> None:
        self.status = StocktakeStatus.APPROVED

    @event("Rejected")
    def _rejected(self, approval_id: UUID, outcome: str, at: datetime) -> None:
        self.status = StocktakeStatus.REJECTED
