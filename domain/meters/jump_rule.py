"""An estate's jump rule (decision 0064): when a reading is held as a jump.

A reading whose usage is above ``factor`` times the average of the meter's
last ``window`` usages is held for staff to confirm or reject. Until an
estate's manager sets another, the rule is the default of
``values.py`` (3 times the last 6). A change holds the readings entered after
it; a reading held before keeps its reason, which names the rule it was held
by. One aggregate per estate, its ID derived from the estate's.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import ValidationFailed
from domain.finance.money import decimal_of
from domain.meters.values import DEFAULT_RULE, MOST_USAGES, JumpRule

JUMP_RULE_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/meters/jump-rules")
#: A factor of at most 1 would hold every reading above the average; above 20
#: nothing short of a burst pipe is held.
LOWEST_FACTOR, HIGHEST_FACTOR = Decimal(1), Decimal(20)
FACTOR_PLACES = 2


def jump_rule_id(estate_id: UUID) -> UUID:
    return uuid5(JUMP_RULE_NAMESPACE, str(estate_id))


def checked_rule(factor: object, window: object) -> JumpRule:
    """The rule, or why a manager may not set it."""
    value = decimal_of(factor, "factor")
    if not LOWEST_FACTOR < value <= HIGHEST_FACTOR:
        raise ValidationFailed(f"factor: above {LOWEST_FACTOR}, at most {HIGHEST_FACTOR}")
    if value != value.quantize(Decimal(1).scaleb(-FACTOR_PLACES)):
        raise ValidationFailed(f"factor: at most {FACTOR_PLACES} decimal places")
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= MOST_USAGES:
        raise ValidationFailed(f"window: 1-{MOST_USAGES} of the meter's last usages")
    return JumpRule(value, window)


class EstateJumpRule(Aggregate):
    """The jump rule of one estate's meters."""

    @staticmethod
    def create_id(estate_id: UUID, **_: Any) -> UUID:
        return jump_rule_id(estate_id)

    @event("Opened")
    def __init__(self, estate_id: UUID, at: datetime) -> None:
        self.estate_id = estate_id
        self.factor, self.window = DEFAULT_RULE.factor, DEFAULT_RULE.window

    @property
    def rule(self) -> JumpRule:
        return JumpRule(self.factor, self.window)

    def change(self, *, factor: object, window: object, by: UUID, at: datetime) -> None:
        """From now on, readings of the estate's meters are held by this rule."""
        rule = checked_rule(factor, window)
        self._changed(factor=rule.factor, window=rule.window, changed_by=by, at=at)

    @event("Changed")
    def _changed(self, factor: Decimal, window: int, changed_by: UUID, at: datetime) -> None:
        self.factor, self.window = factor, window
