"""The rules of the maintenance fund that need no aggregate: a unit's fund
account ID, what a spending's basis must show (an owners' resolution or a
documented emergency), what a top-up must cite (a resolution raising the
fund), and how a disbursement splits over the units.

They stand apart from ``domain/finance/fund.py`` so that module holds the
aggregates (whose event classes are stored by their topic there); it
re-exports every name here. :class:`EmergencyCategory` moved here too: its
old topic ``domain.finance.fund:EmergencyCategory`` still resolves through
that re-export (a stored spending keeps the category's value, a string).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import ValidationFailed
from domain.finance.money import allocate, currency_of, exact_money, quantum
from domain.finance.resolution import Matter, Resolution

FUND_ACCOUNT_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/fund-accounts")
LOW_BALANCE_RATIO = Decimal("0.30")


class EmergencyCategory(StrEnum):
    """The emergencies that allow spending before the owners can vote (应急使用)."""

    ELEVATOR_DANGER = "elevator_danger"
    FIRE_SYSTEM_FAILURE = "fire_system_failure"
    ROOF_LEAK = "roof_leak"
    PUMP_FAILURE = "pump_failure"
    EXTERIOR_WALL_DANGER = "exterior_wall_danger"
    DRAINAGE_FAILURE = "drainage_failure"


def fund_account_id(unit_id: UUID) -> UUID:
    """One fund account per unit: its ID derives from the unit's."""
    return uuid5(FUND_ACCOUNT_NAMESPACE, str(unit_id))


def low_balance_threshold(first_deposit: Decimal | None, currency: str) -> Decimal | None:
    """30% of the first deposit, rounded up to the currency's minor unit: a balance
    (always in whole minor units) is below it exactly when it is below the 30%."""
    if first_deposit is None:
        return None
    return (first_deposit * LOW_BALANCE_RATIO).quantize(quantum(currency), ROUND_CEILING)


def text(value: str | None, what: str, longest: int, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(f"{what}: required")
    if len(text) > longest:
        raise ValidationFailed(f"{what}: at most {longest} characters")
    return text


def positive(amount: object, currency: str, what: str = "amount") -> Decimal:
    value = exact_money(amount, currency_of(currency), what)
    if value <= 0:
        raise ValidationFailed(f"{what}: must be more than zero")
    return value


class DepositMethod(StrEnum):
    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"


def deposit_method(method: DepositMethod | str) -> DepositMethod:
    try:
        return DepositMethod(method)
    except ValueError:
        raise ValidationFailed("method: cash or bank_transfer") from None


class Basis(StrEnum):
    RESOLUTION = "resolution"
    EMERGENCY = "emergency"


class SpendingStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    DISBURSED = "disbursed"


def sharers(unit_ids: Sequence[UUID]) -> list[UUID]:
    """The units sharing a spending, each once, in the order given."""
    units = list(dict.fromkeys(unit_ids))
    if not units:
        raise ValidationFailed("unit_ids: no unit of the estate has a fund account")
    return units


def check_basis(
    basis: Basis | str, resolution: Mapping[str, Any] | None, emergency: Mapping[str, Any] | None
) -> tuple[Basis, dict[str, Any] | None, dict[str, Any] | None]:
    """A spending's basis with the one record it needs: a resolution or an emergency."""
    try:
        basis = Basis(basis)
    except ValueError:
        raise ValidationFailed("basis: resolution or emergency") from None
    if basis is Basis.RESOLUTION:
        if resolution is None:
            raise ValidationFailed("spending the fund needs the owners' resolution")
        if emergency is not None:
            raise ValidationFailed("emergency: only with the basis emergency")
        return basis, check_resolution(resolution), None
    if emergency is None:
        raise ValidationFailed("an emergency spending needs the emergency documented")
    if resolution is not None:
        raise ValidationFailed("resolution: only with the basis resolution")
    return basis, None, check_emergency(emergency)


def raising_resolution(data: Mapping[str, Any] | None, *, top_up: bool) -> dict[str, Any] | None:
    """The resolution a deposit cites. A top-up (续交) raises the fund, a special
    matter (Civil Code art. 278 items 6-8: three quarters of the participating
    area and owners); the first deposit follows the local rule and needs none."""
    if data is None:
        if top_up:
            raise ValidationFailed(
                "resolution: a top-up (续交) needs the owners' resolution raising the fund"
            )
        return None
    return check_resolution(data, Matter.SPECIAL)


def check_resolution(data: Mapping[str, Any], matter: Matter = Matter.ORDINARY) -> dict[str, Any]:
    """An owners' resolution that carries ``matter``: by default the use of the fund
    (more than half of both)."""
    try:
        resolution = Resolution.from_dict(dict(data))
    except TypeError:
        raise ValidationFailed(
            "resolution: reference, meeting_on, total_area, total_owners, participating_area, "
            "participating_owners, area_for and owners_for"
        ) from None
    return resolution.require(matter).as_dict()


def check_emergency(data: Mapping[str, Any]) -> dict[str, Any]:
    """A documented emergency: its category, what happened, and at least one piece of evidence."""
    unknown = set(data) - {"category", "description", "evidence"}
    if unknown:
        raise ValidationFailed(f"emergency: unknown fields {sorted(unknown)}")
    try:
        category = EmergencyCategory(str(data.get("category")))
    except ValueError:
        raise ValidationFailed(
            f"emergency category: one of {', '.join(c.value for c in EmergencyCategory)}"
        ) from None
    evidence = data.get("evidence") or []
    if not isinstance(evidence, (list, tuple)):
        raise ValidationFailed("emergency evidence: a list of references")
    references = [text(str(e), "emergency evidence", 200) for e in evidence]
    if not references:
        raise ValidationFailed(
            "emergency evidence: at least one reference (a work order, an inspection report)"
        )
    return {
        "category": category.value,
        "description": text(data.get("description"), "emergency description", 2000),
        "evidence": references,
    }


def split_by_area(
    total: Decimal, areas: Mapping[UUID, Decimal], currency: str
) -> list[dict[str, Any]]:
    """``total`` over the units in proportion to their gross areas; the parts sum exactly."""
    units = list(areas)
    parts = allocate(total, [Decimal(areas[u]) for u in units], currency)
    return [{"unit_id": u, "amount": p} for u, p in zip(units, parts, strict=True)]


def covered_splits(
    total: Decimal,
    unit_ids: Sequence[UUID],
    areas: Mapping[UUID, Decimal],
    balances: Mapping[UUID, Decimal],
    currency: str,
) -> list[dict[str, Any]]:
    """A disbursement's split by area, refused naming every unit without an account
    or an area, and every unit whose share exceeds its balance."""
    missing = [str(u) for u in unit_ids if u not in areas or u not in balances]
    if missing:
        raise ValidationFailed(f"units without a fund account or an area: {', '.join(missing)}")
    splits = split_by_area(total, {u: areas[u] for u in unit_ids}, currency)
    short = {s["unit_id"]: s["amount"] for s in splits if s["amount"] > balances[s["unit_id"]]}
    if short:
        raise ValidationFailed(
            "the fund balance of these units does not cover their share: "
            + "; ".join(f"{u} (share {a}, balance {balances[u]})" for u, a in short.items())
        )
    return splits
