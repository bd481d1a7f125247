"""The commands of the stores context (仓库/采购): each carries the actor who issues it.

Lines are lists of mappings as the request gives them (``part_id``,
``quantity`` and, where the command prices them, ``unit_price``); the domain
checks them. A handler (``application/stores/service.py``) authorizes the
actor against the store or request it loads: a record of another estate
answers as missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from application.actor import Actor

Lines = tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class RegisterPart:
    """Add a part to the company's catalogue (company data: ``stores:manage:any``)."""

    actor: Actor
    code: str
    name: str
    name_zh: str
    unit: str
    category: str


@dataclass(frozen=True)
class OpenStore:
    """Open a store of an estate (``stores:manage`` there); its ID derives from estate and code."""

    actor: Actor
    estate_id: UUID
    code: str
    name: str
    currency: str = "CNY"


@dataclass(frozen=True)
class SetReorderLevel:
    """Set the level below which a part of the store is reported low (``stores:manage``)."""

    actor: Actor
    store_id: UUID
    part_id: UUID
    level: str


@dataclass(frozen=True)
class SubmitPurchaseRequest:
    """Ask for parts for a store (``stores:request``): opens a ``purchase_request`` approval."""

    actor: Actor
    store_id: UUID
    lines: Lines
    reason: str
    currency: str = "CNY"


@dataclass(frozen=True)
class WithdrawPurchaseRequest:
    """The requester (or a storekeeper of the estate) takes back a request awaiting
    approval; its approval is withdrawn in the same save."""

    actor: Actor
    request_id: UUID
    reason: str


@dataclass(frozen=True)
class ReceiveGoods:
    """Goods delivered against an approved request, by a vendor at a price (``stores:manage``)."""

    actor: Actor
    request_id: UUID
    vendor_id: UUID
    lines: Lines


@dataclass(frozen=True)
class IssueParts:
    """Issue parts to a work order of the store's estate at moving-average cost
    (``stores:manage``)."""

    actor: Actor
    store_id: UUID
    order_id: UUID
    lines: Lines


@dataclass(frozen=True)
class ReturnParts:
    """Take back parts a work order was issued and did not use (``stores:manage``)."""

    actor: Actor
    store_id: UUID
    order_id: UUID
    lines: Lines


@dataclass(frozen=True)
class RecordStocktake:
    """Record a count of the store (``stores:manage``); differences open a
    ``stocktake_difference`` approval, and the stock changes only when it is approved."""

    actor: Actor
    store_id: UUID
    lines: Lines
    note: str = ""


@dataclass(frozen=True)
class RecordSupplierInvoice:
    """Finance records a vendor's invoice against receipts of one store
    (``expenses:manage``); a number once per vendor."""

    actor: Actor
    store_id: UUID
    vendor_id: UUID
    number: str
    receipt_ids: tuple[UUID, ...]
    amount: str
    invoiced_on: date
    currency: str = "CNY"


@dataclass(frozen=True)
class PaySupplierInvoice:
    """Pay the vendor an invoice's amount, once (``expenses:manage``)."""

    actor: Actor
    invoice_id: UUID
    payment_ref: str
    method: str
