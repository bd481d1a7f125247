"""Vendors (R5.2): the suppliers the company pays, company-wide.

A vendor is registered with its unified social credit code (统一社会信用代码,
18 digits or upper-case letters), bank account and the expense categories it
supplies; a deactivated vendor takes no new claims. Until issue 13 the class
lived in ``domain/finance/expenses.py``, which still imports it, so the
topics of events stored then (``domain.finance.expenses:Vendor.Registered``)
resolve to this class.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.expense_rules import (
    check_bank_account,
    check_categories,
    check_tax_id,
    optional_text,
    text,
)


class Vendor(Aggregate):
    """A supplier the company pays (company-wide, not per estate)."""

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        name: str,
        tax_id: str,
        bank_account: str,
        contact: str | None,
        categories: list[str],
        at: datetime,
    ) -> Vendor:
        return cls(
            id=id,
            name=text(name, "name", 200),
            tax_id=check_tax_id(tax_id),
            bank_account=check_bank_account(bank_account),
            contact=optional_text(contact, "contact", 200),
            categories=check_categories(categories),
            at=at,
        )

    @event("Registered")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        name: str,
        tax_id: str,
        bank_account: str,
        contact: str | None,
        categories: list[str],
        at: datetime,
    ) -> None:
        self.name = name
        self.tax_id = tax_id
        self.bank_account = bank_account
        self.contact = contact
        self.categories = list(categories)
        self.active = True

    def change(self, changes: Mapping[str, Any], by: UUID, at: datetime) -> None:
        """Change some of name, bank_account, contact, categories."""
        if not self.active:
            raise InvalidTransition("the vendor is deactivated")
        checked: dict[str, Any] = {}
        for key, value in changes.items():
            if key == "name":
                checked[key] = text(value, "name", 200)
            elif key == "bank_account":
                checked[key] = check_bank_account(value)
            elif key == "contact":
                checked[key] = optional_text(value, "contact", 200)
            elif key == "categories":
                checked[key] = check_categories(value)
            else:
                raise ValidationFailed(f"{key}: cannot be changed")
        checked = {k: v for k, v in checked.items() if getattr(self, k) != v}
        if not checked:
            raise ValidationFailed("nothing to change")
        self._details_changed(changes=checked, by=by, at=at)

    @event("DetailsChanged")
    def _details_changed(self, changes: dict[str, Any], by: UUID, at: datetime) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def deactivate(self, reason: str, by: UUID, at: datetime) -> None:
        if not self.active:
            raise InvalidTransition("the vendor is already deactivated")
        self._deactivated(reason=text(reason, "reason", 500), by=by, at=at)

    @event("Deactivated")
    def _deactivated(self, reason: str, by: UUID, at: datetime) -> None:
        self.active = False
