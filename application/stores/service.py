"""Stores handlers (issue 17): the catalogue, stores, purchase requests, receipts,
issues to work orders, returns and stocktakes.

A handler loads what it needs, authorizes the actor against it (a store or
request of another estate is reported missing; one they may see but not
change is forbidden), decides through the aggregates and saves them in one
append. A purchase request and a stocktake with differences open their
approval in the same save; the service subscribes to both kinds, and the
outcome (the request approved; the stocktake approved and the store
adjusted) is saved with the decision. An issue loads the work order only to
check it: the order's parts cost is the store's ``PartsIssued`` less
``PartsReturned`` (the ``stores`` read model keeps it per order).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from application.actor import HIDDEN
from application.approvals.service import ApprovalRequest, ApprovalService, Loader
from application.errors import NotFound
from application.numbers import Numbers
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load, retrying
from application.stores.commands import (
    IssueParts,
    OpenStore,
    ReceiveGoods,
    RecordStocktake,
    RegisterPart,
    ReturnParts,
    SetReorderLevel,
    SubmitPurchaseRequest,
    WithdrawPurchaseRequest,
)
from application.stores.importing import ImportParts, parts_of
from application.stores.invoices import SupplierInvoices
from domain.approvals.approval import Approval
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.vendors import Vendor
from domain.numbering import number, year_of
from domain.stores import rules
from domain.stores.part import Part
from domain.stores.purchase import PurchaseRequest, Stocktake
from domain.stores.store import Store
from domain.workorders.order import Status, WorkOrder

# Parts go to an order while it is being worked; what was not used comes back after.
ISSUE_TO = frozenset(
    {Status.TRIAGED, Status.ASSIGNED, Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD}
)
RETURN_FROM = ISSUE_TO | {Status.COMPLETED, Status.RATED, Status.CLOSED, Status.CANCELLED}


class StoresRecordNotFound(NotFound):
    """No such store, part, request or estate, or not one the actor may see."""


class StoresService:
    def __init__(self, deps: ServiceDeps, approvals: ApprovalService) -> None:
        self.deps = deps
        self.approvals = approvals
        self.invoices = SupplierInvoices(deps)
        self._numbers = Numbers(deps.event_log)
        approvals.subscribe(rules.PURCHASE_KIND, self._request_decided, rules.purchase_terms())
        approvals.subscribe(rules.STOCKTAKE_KIND, self._stocktake_decided, rules.stocktake_terms())

    def scheduled(self) -> list[ScheduledJob]:
        return []

    @property
    def _now(self) -> datetime:
        return self.deps.clock()

    def _save(self, *aggregates: Any) -> int:
        return self.deps.event_log.save_and_position(*aggregates)

    # ---- lookups ---------------------------------------------------------------

    def store(self, store_id: UUID) -> Store:
        """The store, if the actor may see it; the caller authorizes ``action`` after."""
        return load(self.deps.event_log, store_id, Store, StoresRecordNotFound(HIDDEN))

    def _store_for(self, actor: Any, store_id: UUID, action: str) -> Store:
        store = self.store(store_id)
        actor.check("stores:read", None, store.estate_id)
        actor.require(action, None, store.estate_id)
        return store

    def _lines(self, given: tuple[Mapping[str, Any], ...], *fields: str) -> list[dict[str, Any]]:
        """The lines, each naming a part of the catalogue."""
        lines = rules.part_lines([dict(line) for line in given], *fields)
        for i, line in enumerate(lines):
            try:
                part = UUID(str(line["part_id"]))
            except ValueError:
                raise ValidationFailed(f"lines[{i}].part_id: not a UUID") from None
            if find(self.deps.event_log, part, Part) is None:
                raise ValidationFailed(f"lines[{i}].part_id: no such part in the catalogue")
            line["part_id"] = str(part)
        return lines

    # ---- catalogue and stores --------------------------------------------------

    # The catalogue is company master data (decision 0058): every estate's
    # stores count by its codes, so only a company-wide grant
    # (stores:manage:any) adds to it, whatever route or script sends the command.
    _CATALOGUE_REFUSED = "the catalogue is company master data: this needs stores:manage:any"

    def register_part(self, cmd: RegisterPart) -> tuple[UUID, int]:
        """A catalogue entry; a code already registered is refused (409)."""
        cmd.actor.require("stores:manage", None, refused=self._CATALOGUE_REFUSED)
        part = Part.register(
            code=cmd.code,
            name=cmd.name,
            name_zh=cmd.name_zh,
            unit=cmd.unit,
            category=cmd.category,
            by=cmd.actor.user_id,
            at=self._now,
        )
        if find(self.deps.event_log, part.id, Part) is not None:
            raise InvalidTransition(f"code: {part.code} is already in the catalogue")
        return part.id, self._save(part)

    def import_parts(self, cmd: ImportParts) -> tuple[int, int]:
        """The file's parts added to the catalogue, every row or none: (rows, position)."""
        cmd.actor.require("stores:manage", None, refused=self._CATALOGUE_REFUSED)
        parts = parts_of(cmd.read(), self.deps.event_log, cmd.actor.user_id, self._now)
        if not parts:
            raise ValidationFailed("file: no rows")
        return len(parts), self.deps.event_log.save_bulk(parts)

    def open_store(self, cmd: OpenStore) -> tuple[UUID, int]:
        cmd.actor.check("stores:read", None, cmd.estate_id)
        cmd.actor.require("stores:manage", None, cmd.estate_id)
        if not lookups.estate_exists(self.deps.event_log, cmd.estate_id):
            raise StoresRecordNotFound(HIDDEN)
        store = Store.open(
            estate_id=cmd.estate_id,
            code=cmd.code,
            name=cmd.name,
            currency=cmd.currency,
            by=cmd.actor.user_id,
            at=self._now,
        )
        if find(self.deps.event_log, store.id, Store) is not None:
            raise InvalidTransition(f"code: the estate already has a store {store.code}")
        return store.id, self._save(store)

    def set_reorder_level(self, cmd: SetReorderLevel) -> int:
        store = self._store_for(cmd.actor, cmd.store_id, "stores:manage")
        self._lines(({"part_id": cmd.part_id, "quantity": "1"},))
        store.set_reorder_level(cmd.part_id, cmd.level, cmd.actor.user_id, self._now)
        return self._save(store)

    # ---- purchase requests and receipts ----------------------------------------

    def submit_request(self, cmd: SubmitPurchaseRequest) -> tuple[UUID, UUID, int, str]:
        """Submit a request and open its approval in one save: (request, approval,
        position, the request's number)."""
        store = self._store_for(cmd.actor, cmd.store_id, "stores:request")
        if cmd.currency != store.currency:
            raise ValidationFailed(f"currency: the store is kept in {store.currency}")
        request = PurchaseRequest.submit(
            id=self.deps.ids(),
            estate_id=store.estate_id,
            store_id=store.id,
            lines=self._lines(cmd.lines, "unit_price"),
            currency=cmd.currency,
            reason=cmd.reason,
            requested_by=cmd.actor.user_id,
            approval_id=self.deps.ids(),
            at=(now := self._now),
        )
        count = len(request.lines)
        position = self.approvals.open(
            ApprovalRequest(
                kind=rules.PURCHASE_KIND,
                subject_id=request.id,
                subject_type="purchase",
                estate_id=store.estate_id,
                requested_by=cmd.actor.user_id,
                summary=f"{count} part(s) for {store.name}: {cmd.reason}"[:500],
                amount=request.amount,
                currency=request.currency,
                approval_id=request.approval_id,
            ),
            along_with=[request],
        )
        serial = self.deps.event_log.serial_of(request.id)
        if serial is None:  # every append numbers a Submitted event: never
            raise RuntimeError(f"purchase request {request.id} has no serial in the log")
        said = number(self._numbers.code_of(store.estate_id), "PR", year_of(now), serial)
        return request.id, request.approval_id, position, said

    def withdraw_request(self, cmd: WithdrawPurchaseRequest) -> int:
        """Withdraw a request awaiting approval; its approval is withdrawn in the same save.

        The requester withdraws their own request; a storekeeper of the estate anyone's.
        """
        request = self._request(cmd.request_id)
        actor = cmd.actor
        actor.check("stores:read", None, request.estate_id)
        if request.requested_by != actor.user_id:
            actor.require(
                "stores:manage",
                None,
                request.estate_id,
                refused="only the requester or a storekeeper withdraws a request",
            )
        request.withdraw(actor.user_id, cmd.reason, self._now)
        approval = self.approvals.get(request.approval_id)
        return self.approvals.withdraw(
            approval, request.requested_by, cmd.reason, along_with=[request]
        )

    def _request(self, request_id: UUID) -> PurchaseRequest:
        return load(self.deps.event_log, request_id, PurchaseRequest, StoresRecordNotFound(HIDDEN))

    def receive(self, cmd: ReceiveGoods) -> tuple[UUID, int]:
        """Goods against an approved request: the request and the store in one save
        (again, on a store changed meanwhile)."""
        return retrying(lambda: self._receive(cmd))

    def _receive(self, cmd: ReceiveGoods) -> tuple[UUID, int]:
        request = self._request(cmd.request_id)
        cmd.actor.check("stores:read", None, request.estate_id)
        cmd.actor.require("stores:manage", None, request.estate_id)
        vendor = find(self.deps.event_log, cmd.vendor_id, Vendor)
        if vendor is None:
            raise ValidationFailed("vendor_id: no such vendor")
        if not vendor.active:
            raise ValidationFailed("vendor_id: the vendor is deactivated")
        store = self.store(request.store_id)
        receipt_id = self.deps.ids()
        checked = request.receive(
            receipt_id=receipt_id,
            vendor_id=cmd.vendor_id,
            lines=self._lines(cmd.lines, "unit_price"),
            at=self._now,
        )
        store.receive(
            receipt_id=receipt_id,
            request_id=request.id,
            vendor_id=cmd.vendor_id,
            lines=checked,
            currency=request.currency,
            booked_on=self._now.date(),
            by=cmd.actor.user_id,
            at=self._now,
        )
        return receipt_id, self._save(request, store)

    # ---- issues, returns, stocktakes -------------------------------------------

    def _order(self, store: Store, order_id: UUID, statuses: frozenset[Status]) -> WorkOrder:
        order = find(self.deps.event_log, order_id, WorkOrder)
        if order is None or order.estate_id != store.estate_id:
            raise ValidationFailed("order_id: no such work order on the store's estate")
        if order.status not in statuses:
            raise InvalidTransition(f"the work order is {order.status}")
        return order

    def issue(self, cmd: IssueParts) -> tuple[UUID, int]:
        return self._for_order(cmd, ISSUE_TO, lambda s, rid, **kw: s.issue(issue_id=rid, **kw))

    def take_back(self, cmd: ReturnParts) -> tuple[UUID, int]:
        return self._for_order(
            cmd, RETURN_FROM, lambda s, rid, **kw: s.take_back(return_id=rid, **kw)
        )

    def _for_order(
        self, cmd: IssueParts | ReturnParts, statuses: frozenset[Status], move: Any
    ) -> tuple[UUID, int]:
        """Parts to or from a work order of the store's estate in one of ``statuses``;
        a store changed meanwhile is loaded again and decides again."""
        return retrying(lambda: self._move(cmd, statuses, move))

    def _move(
        self, cmd: IssueParts | ReturnParts, statuses: frozenset[Status], move: Any
    ) -> tuple[UUID, int]:
        store = self._store_for(cmd.actor, cmd.store_id, "stores:manage")
        self._order(store, cmd.order_id, statuses)
        record_id = self.deps.ids()
        move(
            store,
            record_id,
            order_id=cmd.order_id,
            lines=self._lines(cmd.lines),
            booked_on=self._now.date(),
            by=cmd.actor.user_id,
            at=self._now,
        )
        return record_id, self._save(store)

    def record_stocktake(self, cmd: RecordStocktake) -> tuple[UUID, UUID | None, int]:
        """Record a count: (stocktake, its approval or None when it balances, position)."""
        store = self._store_for(cmd.actor, cmd.store_id, "stores:manage")
        counts = [{**line, "quantity": "1"} for line in cmd.lines]
        parts = self._lines(tuple(counts), "counted")
        take = Stocktake.record(
            id=self.deps.ids(),
            estate_id=store.estate_id,
            store_id=store.id,
            counts=parts,
            book=dict(store.stock),
            note=cmd.note,
            counted_by=cmd.actor.user_id,
            approval_id=self.deps.ids(),
            at=self._now,
        )
        if take.approval_id is None:
            return take.id, None, self._save(take)
        lines = ", ".join(f"{x['part_id'][:8]} {x['difference']:+}" for x in take.lines)
        position = self.approvals.open(
            ApprovalRequest(
                kind=rules.STOCKTAKE_KIND,
                subject_id=take.id,
                subject_type="stocktake",
                estate_id=store.estate_id,
                requested_by=cmd.actor.user_id,
                summary=f"stocktake of {store.name}: {lines}"[:500],
                approval_id=take.approval_id,
            ),
            along_with=[take],
        )
        return take.id, take.approval_id, position

    # ---- approval outcomes -----------------------------------------------------

    def _request_decided(self, approval: Approval, load: Loader) -> list[Any]:
        request = load(approval.subject_id)
        if not isinstance(request, PurchaseRequest):
            return []
        request.approval_decided(approval.id, str(approval.status), self._now)
        return [request]

    def _stocktake_decided(self, approval: Approval, load: Loader) -> list[Any]:
        take = load(approval.subject_id)
        if not isinstance(take, Stocktake):
            return []
        if not take.approval_decided(approval.id, str(approval.status), self._now):
            return [take]
        if str(approval.status) != "approved":
            return [take]
        store = load(take.store_id)
        if not isinstance(store, Store):
            raise TypeError(f"{take.store_id} is not a store")
        store.adjust(
            stocktake_id=take.id,
            differences=take.differences,
            booked_on=self._now.date(),
            at=self._now,
        )
        return [take, store]
