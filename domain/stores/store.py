"""A store (仓库) of one estate and its stock ledger (库存台账), at moving-average cost.

The store keeps, per part, the quantity on hand and its value (money in the
store's currency). A receipt adds its quantity and amount; an issue to a
work order takes the quantity at the moving-average cost (value x issued /
on hand, rounded to the minor unit; the last units take what value is
left), so the value of the stock is always the sum of what came in less what
went out, and the inventory account of the ledger equals it. A return brings
back parts an order was issued at the average they were issued at. A
stocktake's approved differences adjust the stock (a gain at the average
cost, or the last purchase price when none is on hand). Stock never goes
negative: an issue beyond what is on hand is refused, and an adjustment is
the only other way down. When a part falls below its reorder level the store
records ``StockFellBelowReorderLevel`` once, until a receipt lifts it again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.money import currency_of, round_money
from domain.stores.rules import code_of, quantity, store_id, text

ZERO = Decimal(0)
COST_PLACES = Decimal("0.0001")


class Store(Aggregate):
    """One estate's store: stock, value and reorder level per part."""

    @staticmethod
    def create_id(estate_id: UUID, code: str, **_: Any) -> UUID:
        return store_id(estate_id, code)

    @classmethod
    def open(
        cls, *, estate_id: UUID, code: str, name: str, currency: str, by: UUID, at: datetime
    ) -> Store:
        return cls(
            estate_id=estate_id,
            code=code_of(code),
            name=text(name, "name", 200),
            currency=currency_of(currency),
            by=by,
            at=at,
        )

    @event("Opened")
    def __init__(
        self, estate_id: UUID, code: str, name: str, currency: str, by: UUID, at: datetime
    ) -> None:
        self.estate_id = estate_id
        self.code = code
        self.name = name
        self.currency = currency
        self.stock: dict[str, Decimal] = {}  # part -> quantity on hand
        self.value: dict[str, Decimal] = {}  # part -> value of it
        self.last_cost: dict[str, Decimal] = {}  # part -> last purchase price
        self.levels: dict[str, Decimal] = {}  # part -> reorder level
        self.low: set[str] = set()  # parts reported below their level
        self.charged: dict[str, dict[str, list[Decimal]]] = {}  # order -> part -> [qty, value]
        self.uninvoiced: dict[str, tuple[str, Decimal]] = {}  # receipt -> (vendor, value)

    # ---- reading ---------------------------------------------------------------

    def on_hand(self, part: str) -> Decimal:
        return self.stock.get(part, ZERO)

    def value_of(self, part: str) -> Decimal:
        return self.value.get(part, ZERO)

    def held(self, part: str) -> tuple[Decimal, Decimal]:
        """(quantity, value) of the part on hand."""
        return self.on_hand(part), self.value_of(part)

    def _moved(self, part: str, qty: Decimal, amount: Decimal) -> None:
        """The part's stock and value move by (signed) ``qty`` and ``amount``; one back at
        its reorder level is reported low no longer."""
        self.stock[part] = self.on_hand(part) + qty
        self.value[part] = self.value_of(part) + amount
        if part in self.low and self.stock[part] >= self.levels.get(part, ZERO):
            self.low.discard(part)

    def average_cost(self, part: str) -> Decimal:
        """The moving-average unit cost (the last purchase price when none is on hand)."""
        qty = self.on_hand(part)
        if qty > 0:
            return (self.value_of(part) / qty).quantize(COST_PLACES)
        return self.last_cost.get(part, ZERO)

    def total_value(self) -> Decimal:
        return sum(self.value.values(), ZERO)

    def issued_to(self, order_id: UUID, part: str) -> tuple[Decimal, Decimal]:
        """(quantity, value) issued to the order and not returned."""
        qty, value = self.charged.get(str(order_id), {}).get(part, [ZERO, ZERO])
        return qty, value

    # ---- reorder levels --------------------------------------------------------

    def set_reorder_level(self, part: UUID, level: object, by: UUID, at: datetime) -> None:
        checked = quantity(level, "level", zero=True)
        if self.levels.get(str(part)) == checked:
            raise ValidationFailed("level: the part already has that reorder level")
        self._reorder_level_set(part_id=str(part), level=checked, by=by, at=at)
        self._check_low([str(part)], at)

    @event("ReorderLevelSet")
    def _reorder_level_set(self, part_id: str, level: Decimal, by: UUID, at: datetime) -> None:
        self.levels[part_id] = level
        if self.on_hand(part_id) >= level:
            self.low.discard(part_id)

    def _check_low(self, parts: list[str], at: datetime) -> None:
        for part in parts:
            level = self.levels.get(part)
            if level is None or part in self.low or self.on_hand(part) >= level:
                continue
            self._fell_below(
                estate_id=self.estate_id,
                part_id=part,
                quantity=self.on_hand(part),
                level=level,
                at=at,
            )

    @event("StockFellBelowReorderLevel")
    def _fell_below(
        self, estate_id: UUID, part_id: str, quantity: Decimal, level: Decimal, at: datetime
    ) -> None:
        self.low.add(part_id)

    # ---- receipts --------------------------------------------------------------

    def receive(
        self,
        *,
        receipt_id: UUID,
        request_id: UUID,
        vendor_id: UUID,
        lines: list[dict[str, Any]],
        currency: str,
        booked_on: date,
        by: UUID,
        at: datetime,
    ) -> None:
        """Goods received: each line's ``part_id``, ``quantity``, ``unit_price`` (checked)."""
        if currency != self.currency:
            raise ValidationFailed(f"currency: the store is kept in {self.currency}")
        priced = []
        for line in lines:
            price = Decimal(line["unit_price"])
            amount = round_money(line["quantity"] * price, currency)
            priced.append({**line, "unit_price": price, "amount": amount})
        self._goods_received(
            estate_id=self.estate_id,
            receipt_id=receipt_id,
            request_id=request_id,
            vendor_id=vendor_id,
            lines=priced,
            amount=sum((line["amount"] for line in priced), ZERO),
            currency=currency,
            booked_on=booked_on,
            by=by,
            at=at,
        )

    @event("GoodsReceived")
    def _goods_received(
        self,
        estate_id: UUID,
        receipt_id: UUID,
        request_id: UUID,
        vendor_id: UUID,
        lines: list[dict[str, Any]],
        amount: Decimal,
        currency: str,
        booked_on: date,
        by: UUID,
        at: datetime,
    ) -> None:
        for line in lines:
            self._moved(line["part_id"], line["quantity"], line["amount"])
            self.last_cost[line["part_id"]] = line["unit_price"]
        self.uninvoiced[str(receipt_id)] = (str(vendor_id), amount)

    # ---- supplier invoices -----------------------------------------------------

    def to_invoice(self, vendor_id: UUID, receipt_ids: list[UUID]) -> dict[str, Decimal]:
        """The received values of receipts of the vendor not yet invoiced (each once)."""
        values: dict[str, Decimal] = {}
        for i, receipt in enumerate(str(r) for r in receipt_ids):
            vendor, value = self.uninvoiced.get(receipt, (None, ZERO))
            if vendor is None or receipt in values:
                raise ValidationFailed(f"receipt_ids[{i}]: no receipt of the store left to invoice")
            if vendor != str(vendor_id):
                raise ValidationFailed(f"receipt_ids[{i}]: delivered by another vendor")
            values[receipt] = value
        return values

    def invoice(
        self, *, invoice_id: UUID, vendor_id: UUID, receipt_ids: list[UUID], at: datetime
    ) -> None:
        """Mark the vendor's receipts invoiced (checked as :meth:`to_invoice` does)."""
        values = self.to_invoice(vendor_id, receipt_ids)
        self._receipts_invoiced(
            invoice_id=invoice_id, vendor_id=vendor_id, receipt_ids=sorted(values), at=at
        )

    @event("ReceiptsInvoiced")
    def _receipts_invoiced(
        self, invoice_id: UUID, vendor_id: UUID, receipt_ids: list[str], at: datetime
    ) -> None:
        for receipt in receipt_ids:
            del self.uninvoiced[receipt]

    # ---- issues and returns ----------------------------------------------------

    def issue(
        self,
        *,
        issue_id: UUID,
        order_id: UUID,
        lines: list[dict[str, Any]],
        booked_on: date,
        by: UUID,
        at: datetime,
    ) -> Decimal:
        """Issue parts to a work order at the moving-average cost; the amount issued."""
        costed, total = self._at_cost(lines, self.held, "{held} on hand, {qty} asked for")
        self._parts_issued(
            estate_id=self.estate_id,
            issue_id=issue_id,
            order_id=order_id,
            lines=costed,
            amount=total,
            currency=self.currency,
            booked_on=booked_on,
            by=by,
            at=at,
        )
        self._check_low([line["part_id"] for line in costed], at)
        return total

    def _at_cost(
        self,
        lines: list[dict[str, Any]],
        held: Callable[[str], tuple[Decimal, Decimal]],
        refusal: str,
    ) -> tuple[list[dict[str, Any]], Decimal]:
        """Each line at its share of what is ``held`` (quantity, value) of its part, the
        whole taking what value is left; more than is held is refused."""
        costed = []
        for i, line in enumerate(lines):
            part, qty = line["part_id"], line["quantity"]
            have, value = held(part)
            if qty > have:
                raise InvalidTransition(f"lines[{i}]: " + refusal.format(held=have, qty=qty))
            amount = value if qty == have else round_money(value * qty / have, self.currency)
            unit_cost = (amount / qty).quantize(COST_PLACES)
            costed.append(
                {"part_id": part, "quantity": qty, "unit_cost": unit_cost, "amount": amount}
            )
        return costed, sum((line["amount"] for line in costed), ZERO)

    @event("PartsIssued")
    def _parts_issued(
        self,
        estate_id: UUID,
        issue_id: UUID,
        order_id: UUID,
        lines: list[dict[str, Any]],
        amount: Decimal,
        currency: str,
        booked_on: date,
        by: UUID,
        at: datetime,
    ) -> None:
        order = self.charged.setdefault(str(order_id), {})
        for line in lines:
            part = line["part_id"]
            self._moved(part, -line["quantity"], -line["amount"])
            qty, value = order.get(part, [ZERO, ZERO])
            order[part] = [qty + line["quantity"], value + line["amount"]]

    def take_back(
        self,
        *,
        return_id: UUID,
        order_id: UUID,
        lines: list[dict[str, Any]],
        booked_on: date,
        by: UUID,
        at: datetime,
    ) -> Decimal:
        """Parts back from an order, at the average they were issued at; the amount."""
        held = partial(self.issued_to, order_id)
        costed, total = self._at_cost(lines, held, "{held} issued to the order, {qty} returned")
        self._parts_returned(
            estate_id=self.estate_id,
            return_id=return_id,
            order_id=order_id,
            lines=costed,
            amount=total,
            currency=self.currency,
            booked_on=booked_on,
            by=by,
            at=at,
        )
        return total

    @event("PartsReturned")
    def _parts_returned(
        self,
        estate_id: UUID,
        return_id: UUID,
        order_id: UUID,
        lines: list[dict[str, Any]],
        amount: Decimal,
        currency: str,
        booked_on: date,
        by: UUID,
        at: datetime,
    ) -> None:
        order = self.charged[str(order_id)]
        for line in lines:
            part = line["part_id"]
            self._moved(part, line["quantity"], line["amount"])
            qty, value = order[part]
            order[part] = [qty - line["quantity"], value - line["amount"]]

    # ---- stocktake differences -------------------------------------------------

    def adjust(
        self, *, stocktake_id: UUID, differences: dict[str, Decimal], booked_on: date, at: datetime
    ) -> None:
        """Apply a stocktake's approved differences (signed quantities per part).

        A loss larger than what is now on hand (parts issued since the count)
        takes the stock to zero, not below; the event records what was applied.
        """
        lines: list[dict[str, Any]] = []
        for part, difference in differences.items():
            on_hand = self.on_hand(part)
            applied = max(difference, -on_hand)
            if applied == 0:
                continue
            if applied > 0:
                amount = round_money(applied * self.average_cost(part), self.currency)
            elif -applied == on_hand:
                amount = -self.value_of(part)
            else:
                amount = -round_money(self.value_of(part) * -applied / on_hand, self.currency)
            lines.append({"part_id": part, "difference": applied, "amount": amount})
        if not lines:
            return
        self._count_adjusted(
            estate_id=self.estate_id,
            stocktake_id=stocktake_id,
            lines=lines,
            amount=sum((line["amount"] for line in lines), ZERO),
            currency=self.currency,
            booked_on=booked_on,
            at=at,
        )
        self._check_low([line["part_id"] for line in lines], at)

    @event("CountAdjusted")
    def _count_adjusted(
        self,
        estate_id: UUID,
        stocktake_id: UUID,
        lines: list[dict[str, Any]],
        amount: Decimal,
        currency: str,
        booked_on: date,
        at: datetime,
    ) -> None:
        for line in lines:
            self._moved(line["part_id"], line["difference"], line["amount"])
