"""Stores and procurement (仓库/采购): the rules that need no aggregate.

Quantities are Decimals with at most three places (metres, litres, kilograms
as well as pieces), never floats. Every amount is money in the store's
currency. Approval kinds: ``purchase_request`` (the department approves, the
manager too from 2000 CNY) and ``stocktake_difference`` (the department
approves every recorded difference before the stock changes).
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.approvals.rules import Level, Outcome, PolicyTerms, Rule
from domain.errors import ValidationFailed
from domain.finance.money import decimal_of

PURCHASE_KIND = "purchase_request"
STOCKTAKE_KIND = "stocktake_difference"
MANAGER_LIMIT = Decimal("2000")
MANAGER_LIMIT_CURRENCY = "CNY"
QUANTITY_PLACES = Decimal("0.001")
CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,31}$")
PARTS = uuid5(NAMESPACE_URL, "https://estatelog/stores/parts")
STORES = uuid5(NAMESPACE_URL, "https://estatelog/stores/stores")
MAX_LINES = 50


class Unit(StrEnum):
    """Units of measure (计量单位) a part is counted in."""

    PIECE = "piece"  # 个/件
    SET = "set"  # 套
    BOX = "box"  # 盒
    METRE = "metre"  # 米
    LITRE = "litre"  # 升
    KILOGRAM = "kilogram"  # 千克
    ROLL = "roll"  # 卷


class Category(StrEnum):
    """Part categories (物料类别), as a property company's stores sort them."""

    ELECTRICAL = "electrical"  # 电料
    PLUMBING = "plumbing"  # 水暖
    HARDWARE = "hardware"  # 五金
    HVAC = "hvac"  # 暖通
    LIFT = "lift"  # 电梯配件
    FIRE = "fire"  # 消防
    CLEANING = "cleaning"  # 保洁用品
    GREENING = "greening"  # 绿化
    OTHER = "other"


def text(value: str | None, field: str, longest: int) -> str:
    value = (value or "").strip()
    if not 1 <= len(value) <= longest:
        raise ValidationFailed(f"{field}: 1-{longest} characters")
    return value


def code_of(value: str, field: str = "code") -> str:
    code = (value or "").strip().upper()
    if not CODE.match(code):
        raise ValidationFailed(f"{field}: 1-32 letters, digits, '.', '_' or '-'")
    return code


def quantity(value: object, field: str = "quantity", *, zero: bool = False) -> Decimal:
    """A quantity with at most three decimal places: positive, or 0 or more if ``zero``."""
    number = decimal_of(value, field)
    if number != number.quantize(QUANTITY_PLACES):
        raise ValidationFailed(f"{field}: at most three decimal places")
    if number < 0 or (number == 0 and not zero):
        raise ValidationFailed(f"{field}: must be {'0 or' if zero else ''} more than zero")
    return number.quantize(QUANTITY_PLACES)


def part_id(code: str) -> UUID:
    """One catalogue entry per code, company-wide."""
    return uuid5(PARTS, code_of(code))


def store_id(estate_id: UUID, code: str) -> UUID:
    """One store per estate and code."""
    return uuid5(STORES, f"{estate_id}:{code_of(code)}")


def part_lines(lines: list[dict[str, Any]], *fields: str) -> list[dict[str, Any]]:
    """Lines naming each part once, with a positive quantity and the given extra fields."""
    if not lines:
        raise ValidationFailed("lines: at least one line")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"lines: at most {MAX_LINES}")
    seen: set[str] = set()
    out = []
    for i, line in enumerate(lines):
        part = str(line.get("part_id", ""))
        if part in seen:
            raise ValidationFailed(f"lines[{i}].part_id: each part once")
        seen.add(part)
        clean = {
            "part_id": part,
            "quantity": quantity(line.get("quantity"), f"lines[{i}].quantity"),
        }
        for name in fields:
            clean[name] = line.get(name)
        out.append(clean)
    return out


def purchase_terms() -> PolicyTerms:
    """Default policy of ``purchase_request``: the department; the manager too from 2000 CNY."""
    return PolicyTerms(
        levels=(Level("department", "property_manager"), Level("manager", "admin")),
        rules=(
            Rule(
                then=Outcome.SKIP,
                reason="below the manager's threshold",
                amount_below=MANAGER_LIMIT,
                currency=MANAGER_LIMIT_CURRENCY,
                skip=("manager",),
            ),
        ),
    )


def stocktake_terms() -> PolicyTerms:
    """Default policy of ``stocktake_difference``: the department approves every difference."""
    return PolicyTerms(levels=(Level("department", "property_manager"),), rules=())
