"""The low-stock reminder: whom a store's ``StockFellBelowReorderLevel`` tells, and what."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from domain.stores.store import Store
from projections.events import kind_of
from projections.notifications.rules import Subject, notice_for
from tests.support.directory import RolesDirectory

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_the_storekeeper_and_the_managers_are_told_once_each() -> None:
    estate, part = uuid4(), uuid4()
    store = Store.open(
        estate_id=estate, code="MAIN", name="Main", currency="CNY", by=uuid4(), at=AT
    )
    store.set_reorder_level(part, "5", uuid4(), AT)  # nothing on hand: below at once
    fell: Any = store.collect_events()[-1]
    assert kind_of(fell) == ("Store", "StockFellBelowReorderLevel")
    assert (fell.quantity, fell.level) == (Decimal(0), Decimal("5.000"))
    keeper, manager, technician, admin = uuid4(), uuid4(), uuid4(), uuid4()
    directory = RolesDirectory(
        {
            "storekeeper": [keeper],
            "property_manager": [manager],
            "technician": [technician],
            "admin": [admin],
        }
    )
    notice = notice_for(fell, kind_of(fell), Subject(store.id, "Store", estate), directory)
    assert notice is not None
    assert sorted(notice.recipients) == sorted([admin, keeper, manager])  # manager once
    assert (notice.kind, notice.priority) == ("stores.low_stock", "high")
    assert str(part) in notice.body and "5.000" in notice.body
