"""The stores handlers on the in-memory log: who may act on which estate's store,
the purchase approved and received, issued to a work order at moving-average
cost and returned, a stocktake's differences approved before the stock changes,
and the ledger's entries of each step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.actor import Actor
from application.approvals.commands import Approve, Reject
from application.approvals.service import ApprovalService
from application.errors import Forbidden, NotFound
from application.finance.expenses import ExpenseService, RegisterVendor, SubmitClaim
from application.stores.commands import (
    IssueParts,
    OpenStore,
    PaySupplierInvoice,
    ReceiveGoods,
    RecordStocktake,
    RecordSupplierInvoice,
    RegisterPart,
    ReturnParts,
    SetReorderLevel,
    SubmitPurchaseRequest,
    WithdrawPurchaseRequest,
)
from application.stores.service import StoresService
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.accounts import (
    EXPENSE_ACCOUNTS,
    INVENTORY,
    PURCHASE_PRICE_DIFFERENCES,
    STORES_PAYABLE,
)
from domain.finance.money import Money
from domain.finance.postings import entry_for
from domain.identity.policy import Role
from domain.registry.places import Estate
from domain.stores.purchase import PurchaseRequest, Stocktake
from domain.stores.store import Store
from domain.workorders.order import WorkOrder
from projections.events import kind_of, payload_of
from tests.support.actors import registered
from tests.support.memory import MemoryEventLog, memory_deps
from tests.unit.finance.actors import actor

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.deps = memory_deps()
        self.deps.clock = lambda: NOW
        log = self.deps.event_log
        assert isinstance(log, MemoryEventLog)
        self.log = log
        self.approvals = ApprovalService(self.deps)
        self.service = StoresService(self.deps, self.approvals)
        expenses = ExpenseService(self.deps, self.approvals)
        estate = Estate.register("HVG", "Harbour View Gardens", "1 Harbour Road")
        other = Estate.register("SSC", "Sunshine Court", "2 Sun Road")
        self.estate_id, self.other_id = estate.id, other.id
        self.log.save_and_position(estate, other)
        self.admin = actor(Role.ADMIN)
        self.vendor_id, _ = expenses.register_vendor(
            RegisterVendor(
                actor=self.admin,
                name="Eastern Electrical Supply",
                tax_id="91310115MA1H8LFT02",
                bank_account="6222020200112345",
                contact=None,
                categories=["repairs"],
            )
        )
        self.keeper = actor(Role.STOREKEEPER, self.estate_id)
        self.technician = actor(Role.TECHNICIAN, self.estate_id)
        self.finance = actor(Role.FINANCE, self.estate_id)
        self.stranger = actor(Role.STOREKEEPER, self.other_id)
        self.manager = registered(self.log, "pm.hvg", Role.PROPERTY_MANAGER, self.estate_id)
        self.boss = registered(self.log, "boss.hq", Role.ADMIN)
        self.part_id, _ = self.service.register_part(
            RegisterPart(self.admin, "brk-16a", "Breaker 16A", "空气开关16A", "piece", "electrical")
        )
        self.store_id, _ = self.service.open_store(
            OpenStore(self.keeper, self.estate_id, "MAIN", "Main store")
        )
        order = WorkOrder.submit(
            id=uuid4(),
            estate_id=self.estate_id,
            title="Lobby lights",
            description="the breaker trips",
            source="staff",
            source_ref=None,
            requested_by=None,
            at=NOW,
        )
        order.triage("electrical", "high", NOW + timedelta(hours=1), NOW + timedelta(days=1), NOW)
        order.assign(uuid4(), NOW)
        self.order_id = order.id
        self.log.save_and_position(order)
        self.invoices: list[UUID] = []

    def line(self, qty: str, price: str | None = None) -> dict[str, str]:
        out = {"part_id": str(self.part_id), "quantity": qty}
        if price is not None:
            out["unit_price"] = price
        return out

    def request(self, who: Actor, qty: str = "10", price: str = "25.00") -> tuple[UUID, UUID]:
        rid, approval_id, _, _ = self.service.submit_request(
            SubmitPurchaseRequest(who, self.store_id, (self.line(qty, price),), "lobby relamping")
        )
        return rid, approval_id

    def approved(self, qty: str = "10", price: str = "25.00") -> UUID:
        rid, approval_id = self.request(self.technician, qty, price)
        self.approvals.decide(Approve(self.manager, approval_id))
        return rid

    def receive(self, rid: UUID, qty: str, price: str) -> None:
        self.service.receive(
            ReceiveGoods(self.keeper, rid, self.vendor_id, (self.line(qty, price),))
        )

    def receive_id(self, rid: UUID, qty: str, price: str) -> UUID:
        receipt_id, _ = self.service.receive(
            ReceiveGoods(self.keeper, rid, self.vendor_id, (self.line(qty, price),))
        )
        return receipt_id

    def invoice_events(self) -> list[object]:
        return [e for i in self.invoices for e in self.log.domain_events(i)]

    def balance_of(self, account: str) -> Decimal:
        """Dr - Cr of the account over the store's and its invoices' events."""
        total = Decimal(0)
        for event in [*self.log.domain_events(self.store_id), *self.invoice_events()]:
            entry = entry_for(*kind_of(event), payload_of(event))
            for line in entry.lines if entry else ():
                total += line.debit - line.credit if line.account == account else 0
        return total

    def store(self) -> Store:
        found = self.log.repository.get(self.store_id)
        assert isinstance(found, Store)
        return found

    def balance(self, account: str) -> Decimal:
        total = Decimal(0)
        for event in self.log.domain_events(self.store_id):
            entry = entry_for(*kind_of(event), payload_of(event))
            for line in entry.lines if entry else ():
                total += line.debit - line.credit if line.account == account else 0
        return total


@pytest.fixture
def world() -> World:
    return World()


def test_a_small_purchase_needs_the_department_alone(world: World) -> None:
    rid, approval_id = world.request(world.technician, "4", "25.00")
    request = world.log.repository.get(rid)
    assert isinstance(request, PurchaseRequest) and str(request.status) == "awaiting_approval"
    world.approvals.decide(Approve(world.manager, approval_id))
    request = world.log.repository.get(rid)
    assert str(request.status) == "approved"


def test_a_large_purchase_goes_on_to_the_manager(world: World) -> None:
    rid, approval_id = world.request(world.technician, "100", "25.00")  # 2500 CNY
    world.approvals.decide(Approve(world.manager, approval_id))
    assert str(world.log.repository.get(rid).status) == "awaiting_approval"
    world.approvals.decide(Approve(world.boss, approval_id))
    assert str(world.log.repository.get(rid).status) == "approved"


def test_the_requester_withdraws_a_pending_request_and_its_approval_closes(
    world: World,
) -> None:
    rid, approval_id = world.request(world.technician)
    other = actor(Role.TECHNICIAN, world.estate_id)
    with pytest.raises(Forbidden):
        world.service.withdraw_request(WithdrawPurchaseRequest(other, rid, "not yours"))
    with pytest.raises(NotFound):
        world.service.withdraw_request(WithdrawPurchaseRequest(world.stranger, rid, "no"))
    world.service.withdraw_request(WithdrawPurchaseRequest(world.technician, rid, "fixed already"))
    assert str(world.log.repository.get(rid).status) == "withdrawn"
    assert str(world.approvals.get(approval_id).status) == "withdrawn"
    with pytest.raises(InvalidTransition):
        world.service.withdraw_request(WithdrawPurchaseRequest(world.technician, rid, "again"))
    with pytest.raises(InvalidTransition):
        world.receive(rid, "1", "25.00")


def test_an_approved_request_is_not_withdrawn_but_a_storekeeper_may_withdraw_a_pending_one(
    world: World,
) -> None:
    rid = world.approved()
    with pytest.raises(InvalidTransition):
        world.service.withdraw_request(WithdrawPurchaseRequest(world.technician, rid, "late"))
    pending, _ = world.request(world.technician)
    world.service.withdraw_request(WithdrawPurchaseRequest(world.keeper, pending, "duplicate"))
    assert str(world.log.repository.get(pending).status) == "withdrawn"


def test_goods_are_received_only_against_an_approved_request(world: World) -> None:
    rid, approval_id = world.request(world.technician)
    with pytest.raises(InvalidTransition):
        world.receive(rid, "1", "25.00")
    world.approvals.decide(Reject(world.manager, approval_id, "not needed"))
    with pytest.raises(InvalidTransition):
        world.receive(rid, "1", "25.00")
    assert world.store().on_hand(str(world.part_id)) == 0


def test_partial_receipts_up_to_what_was_approved_post_inventory_against_payables(
    world: World,
) -> None:
    rid = world.approved("10", "25.00")
    world.receive(rid, "4", "24.50")
    assert str(world.log.repository.get(rid).status) == "partially_received"
    with pytest.raises(ValidationFailed, match=r"6\.000 outstanding"):
        world.receive(rid, "7", "24.50")
    world.receive(rid, "6", "26.00")
    assert str(world.log.repository.get(rid).status) == "received"
    store = world.store()
    assert store.on_hand(str(world.part_id)) == Decimal("10")
    assert store.value_of(str(world.part_id)) == Decimal("254.00")  # 98.00 + 156.00
    assert world.balance(INVENTORY) == Decimal("254.00")
    assert world.balance(STORES_PAYABLE) == Decimal("-254.00")


def test_an_issue_costs_the_order_at_the_moving_average_and_a_return_gives_it_back(
    world: World,
) -> None:
    rid = world.approved("10", "25.00")
    world.receive(rid, "4", "24.50")
    world.receive(rid, "6", "26.00")
    issue = IssueParts(world.keeper, world.store_id, world.order_id, (world.line("3"),))
    world.service.issue(issue)
    store = world.store()
    assert store.issued_to(world.order_id, str(world.part_id)) == (Decimal("3"), Decimal("76.20"))
    assert world.balance(EXPENSE_ACCOUNTS["repairs"]) == Decimal("76.20")
    world.service.take_back(
        ReturnParts(world.keeper, world.store_id, world.order_id, (world.line("1"),))
    )
    store = world.store()
    assert store.issued_to(world.order_id, str(world.part_id)) == (Decimal("2"), Decimal("50.80"))
    assert world.balance(INVENTORY) == store.total_value() == Decimal("203.20")
    with pytest.raises(InvalidTransition):
        world.service.take_back(
            ReturnParts(world.keeper, world.store_id, world.order_id, (world.line("3"),))
        )
    with pytest.raises(InvalidTransition):
        world.service.issue(
            IssueParts(world.keeper, world.store_id, world.order_id, (world.line("9"),))
        )


def test_an_issue_names_a_live_order_of_the_stores_estate(world: World) -> None:
    rid = world.approved()
    world.receive(rid, "10", "25.00")
    with pytest.raises(ValidationFailed, match="order_id"):
        world.service.issue(IssueParts(world.keeper, world.store_id, uuid4(), (world.line("1"),)))


def test_low_stock_is_reported_once_when_an_issue_takes_it_below_the_level(world: World) -> None:
    rid = world.approved()
    world.receive(rid, "10", "25.00")
    world.service.set_reorder_level(
        SetReorderLevel(world.keeper, world.store_id, world.part_id, "5")
    )
    for _ in range(3):
        world.service.issue(
            IssueParts(world.keeper, world.store_id, world.order_id, (world.line("2"),))
        )
    names = [type(e).__name__ for e in world.log.domain_events(world.store_id)]
    assert names.count("StockFellBelowReorderLevel") == 1
    assert names.index("StockFellBelowReorderLevel") == len(names) - 1  # after the third issue


def test_a_stocktake_changes_the_stock_only_when_its_differences_are_approved(
    world: World,
) -> None:
    rid = world.approved()
    world.receive(rid, "10", "25.00")
    count = RecordStocktake(
        world.keeper, world.store_id, ({"part_id": str(world.part_id), "counted": "8"},)
    )
    take_id, approval_id, _ = world.service.record_stocktake(count)
    assert approval_id is not None
    assert world.store().on_hand(str(world.part_id)) == Decimal("10")
    world.approvals.decide(Approve(world.manager, approval_id))
    take = world.log.repository.get(take_id)
    assert isinstance(take, Stocktake) and str(take.status) == "approved"
    assert world.store().on_hand(str(world.part_id)) == Decimal("8")
    assert world.balance(INVENTORY) == Decimal("200.00")
    same = RecordStocktake(
        world.keeper, world.store_id, ({"part_id": str(world.part_id), "counted": "8"},)
    )
    _, none, _ = world.service.record_stocktake(same)
    assert none is None  # a count that agrees asks nobody


def test_another_estates_storekeeper_sees_no_store_and_a_technician_manages_none(
    world: World,
) -> None:
    with pytest.raises(NotFound):
        world.service.set_reorder_level(
            SetReorderLevel(world.stranger, world.store_id, world.part_id, "1")
        )
    with pytest.raises(Forbidden):
        world.service.set_reorder_level(
            SetReorderLevel(world.technician, world.store_id, world.part_id, "1")
        )
    for estate_staff in (world.finance, world.keeper):
        with pytest.raises(Forbidden):
            world.service.register_part(
                RegisterPart(estate_staff, "X-1", "x", "x", "piece", "other")
            )
    with pytest.raises(Forbidden):
        world.service.open_store(OpenStore(world.technician, world.estate_id, "T", "t"))


def test_a_part_code_and_a_store_code_are_taken_once(world: World) -> None:
    with pytest.raises(InvalidTransition):
        world.service.register_part(
            RegisterPart(world.admin, "BRK-16A", "again", "again", "piece", "electrical")
        )
    with pytest.raises(InvalidTransition):
        world.service.open_store(OpenStore(world.keeper, world.estate_id, "main", "again"))
    with pytest.raises(ValidationFailed, match="unit"):
        world.service.register_part(RegisterPart(world.admin, "X-2", "x", "x", "crate", "other"))


def _invoice(world: World, receipts: list[UUID], amount: str, number: str = "FP-001") -> UUID:
    command = RecordSupplierInvoice(
        world.finance,
        world.store_id,
        world.vendor_id,
        number,
        tuple(receipts),
        amount,
        NOW.date(),
    )
    invoice_id, _ = world.service.invoices.record(command)
    world.invoices.append(invoice_id)
    return invoice_id


def _payable(world: World) -> Decimal:
    return -world.balance_of(STORES_PAYABLE)


def test_a_suppliers_invoice_clears_its_receipts_and_payment_clears_the_payable(
    world: World,
) -> None:
    rid = world.approved("10", "25.00")
    first = world.receive_id(rid, "4", "25.00")  # 100.00
    second = world.receive_id(rid, "6", "25.00")  # 150.00
    assert _payable(world) == Decimal("250.00")
    # Within the tolerance (1%, at least 1.00): the difference is a price difference.
    invoice_id = _invoice(world, [first], "100.60")
    assert _payable(world) == Decimal("250.60")  # 150.00 uninvoiced + 100.60 open
    assert world.balance_of(PURCHASE_PRICE_DIFFERENCES) == Decimal("0.60")
    with pytest.raises(ValidationFailed, match="receipt_ids"):
        _invoice(world, [first], "100.00", "FP-002")  # a receipt is invoiced once
    with pytest.raises(InvalidTransition, match="number"):
        _invoice(world, [second], "150.00", "fp-001")  # a number once per vendor
    with pytest.raises(ValidationFailed, match="settle the price"):
        _invoice(world, [second], "152.00", "FP-003")  # beyond 1.50
    with pytest.raises(Forbidden):
        world.service.invoices.record(
            RecordSupplierInvoice(
                world.keeper, world.store_id, world.vendor_id, "FP-9", (second,), "150", NOW.date()
            )
        )
    pay = PaySupplierInvoice(world.finance, invoice_id, "BANK-7781", "bank_transfer")
    world.service.invoices.pay(pay)
    assert _payable(world) == Decimal("150.00")
    with pytest.raises(InvalidTransition):
        world.service.invoices.pay(pay)


def test_an_expense_claim_for_an_invoice_of_goods_received_is_refused(world: World) -> None:
    rid = world.approved("10", "25.00")
    receipt = world.receive_id(rid, "10", "25.00")
    _invoice(world, [receipt], "250.00", "FP 0042")
    claims = ExpenseService(world.deps, world.approvals)
    claim = SubmitClaim(
        actor=world.finance,
        estate_id=world.estate_id,
        vendor_id=world.vendor_id,
        category="repairs",
        amount=Money(Decimal("250.00"), "CNY"),
        description="breakers",
        incurred_on=NOW.date(),
        invoice_ref="fp0042",
    )
    with pytest.raises(ValidationFailed, match="invoice_ref"):
        claims.submit_claim(claim)
