"""Approval policies: who decides, level by level, and the pre-screening rules.

A policy belongs to one kind of request ("service_request", "announcement",
"rate_change", "refund", ...). It names ordered **levels**, each decided by one
role, and an ordered list of **rules** that screen a request when it is opened.
The first rule whose conditions all hold decides what happens:

* ``approve`` — approved at once, no level decides;
* ``reject`` — rejected at once (an invalid request);
* ``skip`` — the named levels are left out (urgent work skips the front desk).

Conditions (all optional; a rule without conditions matches every request):
``types`` (the request's type is one of them), ``urgency`` (one of low, normal,
high, urgent), ``amount_below`` / ``amount_at_least`` (a Decimal compared only
with amounts in the rule's ``currency``: an amount in another currency, or no
amount, never meets an amount condition), ``without_amount`` (true: the
request carries no amount; false: it carries one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import ValidationFailed

POLICY_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/approval-policies")
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
ROLES = frozenset(
    {"admin", "property_manager", "finance", "customer_service", "technician", "auditor"}
)
MAX_LEVELS = 6
MAX_RULES = 30


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Outcome(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SKIP = "skip"


def check_kind(kind: str) -> str:
    if not KIND_PATTERN.match(kind):
        raise ValidationFailed("kind: 2-40 lower-case letters, digits or _")
    return kind


def check_currency(currency: str) -> str:
    if not CURRENCY_PATTERN.match(currency):
        raise ValidationFailed("currency: an ISO 4217 code such as CNY")
    return currency


def policy_id(kind: str) -> UUID:
    """One policy per kind: its ID is derived from the kind."""
    return uuid5(POLICY_NAMESPACE, check_kind(kind))


@dataclass(frozen=True)
class Level:
    """One step of the workflow, decided by a holder of ``role``."""

    name: str
    role: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Level:
        name, role = str(data.get("name", "")), str(data.get("role", ""))
        if not NAME_PATTERN.match(name):
            raise ValidationFailed(f"level name {name!r}: lower-case letters, digits or _")
        if role not in ROLES:
            raise ValidationFailed(f"level {name}: role must be one of {sorted(ROLES)}")
        return cls(name, role)


DEFAULT_LEVELS = (
    Level("front_desk", "customer_service"),
    Level("department", "property_manager"),
    Level("manager", "admin"),
)


@dataclass(frozen=True)
class Screened:
    """What the rules look at in a request."""

    subject_type: str | None
    urgency: Urgency
    amount: Decimal | None
    currency: str | None


@dataclass(frozen=True)
class Rule:
    """If every condition holds, ``then`` happens (see the module docstring)."""

    then: Outcome
    reason: str
    types: tuple[str, ...] = ()
    urgency: tuple[Urgency, ...] = ()
    amount_below: Decimal | None = None
    amount_at_least: Decimal | None = None
    currency: str | None = None
    without_amount: bool | None = None
    skip: tuple[str, ...] = ()

    def matches(self, request: Screened) -> bool:
        if self.types and request.subject_type not in self.types:
            return False
        if self.urgency and request.urgency not in self.urgency:
            return False
        if self.without_amount is not None and self.without_amount != (request.amount is None):
            return False
        if self.amount_below is not None or self.amount_at_least is not None:
            if request.amount is None or request.currency != self.currency:
                return False
            if self.amount_below is not None and not request.amount < self.amount_below:
                return False
            if self.amount_at_least is not None and not request.amount >= self.amount_at_least:
                return False
        return True

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"then": self.then.value, "reason": self.reason}
        if self.types:
            out["types"] = list(self.types)
        if self.urgency:
            out["urgency"] = [u.value for u in self.urgency]
        if self.amount_below is not None:
            out["amount_below"] = str(self.amount_below)
        if self.amount_at_least is not None:
            out["amount_at_least"] = str(self.amount_at_least)
        if self.currency is not None:
            out["currency"] = self.currency
        if self.without_amount is not None:
            out["without_amount"] = self.without_amount
        if self.skip:
            out["skip"] = list(self.skip)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rule:
        known = {
            "then",
            "reason",
            "types",
            "urgency",
            "amount_below",
            "amount_at_least",
            "currency",
            "without_amount",
            "skip",
        }
        unknown = set(data) - known
        if unknown:
            raise ValidationFailed(f"rule: unknown fields {sorted(unknown)}")
        try:
            then = Outcome(str(data.get("then")))
        except ValueError:
            raise ValidationFailed("rule: then must be approve, reject or skip") from None
        reason = str(data.get("reason") or "").strip()
        if not reason or len(reason) > 200:
            raise ValidationFailed("rule: a reason of 1-200 characters is required")
        try:
            urgency = tuple(Urgency(u) for u in data.get("urgency") or ())
        except ValueError:
            raise ValidationFailed("rule: urgency must be low, normal, high or urgent") from None
        below = _amount(data.get("amount_below"))
        at_least = _amount(data.get("amount_at_least"))
        currency = data.get("currency")
        if currency is not None:
            check_currency(str(currency))
        if (below is not None or at_least is not None) and currency is None:
            raise ValidationFailed("rule: an amount condition needs its currency")
        without = data.get("without_amount")
        if without is not None and not isinstance(without, bool):
            raise ValidationFailed("rule: without_amount is true or false")
        skip = tuple(str(s) for s in data.get("skip") or ())
        if then is Outcome.SKIP and not skip:
            raise ValidationFailed("rule: a skip rule names the levels it skips")
        if then is not Outcome.SKIP and skip:
            raise ValidationFailed("rule: only a skip rule names levels to skip")
        return cls(
            then=then,
            reason=reason,
            types=tuple(str(t) for t in data.get("types") or ()),
            urgency=urgency,
            amount_below=below,
            amount_at_least=at_least,
            currency=currency,
            without_amount=without,
            skip=skip,
        )


def _amount(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float):
        raise ValidationFailed("rule: amounts are decimal strings, never floats")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(f"rule: {value!r} is not an amount") from None
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed("rule: amounts are finite and not negative")
    return amount


@dataclass(frozen=True)
class Screening:
    """The first matching rule's verdict: its number (1-based), outcome and reason."""

    rule: int
    outcome: Outcome
    reason: str
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyTerms:
    """A policy's levels and rules, as in force when a request is opened."""

    levels: tuple[Level, ...] = DEFAULT_LEVELS
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not 1 <= len(self.levels) <= MAX_LEVELS:
            raise ValidationFailed(f"a policy has 1-{MAX_LEVELS} levels")
        names = [level.name for level in self.levels]
        if len(set(names)) != len(names):
            raise ValidationFailed("level names must differ")
        if len(self.rules) > MAX_RULES:
            raise ValidationFailed(f"a policy has at most {MAX_RULES} rules")
        for number, rule in enumerate(self.rules, start=1):
            unknown = set(rule.skip) - set(names)
            if unknown:
                raise ValidationFailed(f"rule {number}: no level named {sorted(unknown)}")
            if set(rule.skip) >= set(names):
                raise ValidationFailed(f"rule {number}: skipping every level; use approve")

    def screen(self, request: Screened) -> Screening | None:
        for number, rule in enumerate(self.rules, start=1):
            if rule.matches(request):
                return Screening(number, rule.then, rule.reason, rule.skip)
        return None

    def as_dicts(self) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
        return [lv.as_dict() for lv in self.levels], [r.as_dict() for r in self.rules]

    @classmethod
    def from_dicts(cls, levels: list[dict[str, Any]], rules: list[dict[str, Any]]) -> PolicyTerms:
        return cls(
            tuple(Level.from_dict(lv) for lv in levels), tuple(Rule.from_dict(r) for r in rules)
        )
