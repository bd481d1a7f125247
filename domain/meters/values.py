"""What meters and their readings are made of: kinds, limits and the usage rule (抄表).

A meter's *register* is what billing reads: its physical reading plus the
carry of every replacement or reset before it (the old meter's final reading
minus the new one's initial reading, summed). The register never runs
backwards, so the usage between two of its values is the physical usage,
across replacements too: final minus last plus new minus initial
(decision 0056).

The events keep plain strings, Decimals and dates, never enums.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import ValidationFailed
from domain.finance.money import decimal_of


class MeterKind(StrEnum):
    """What a meter measures; the unit of its readings is the fee item's measure."""

    WATER = "water"
    ELECTRICITY = "electricity"
    GAS = "gas"


class ReadingSource(StrEnum):
    ROUND = "round"  # by the technician on a reading round
    DESK = "desk"  # one by one by staff
    IMPORT = "import"  # a row of an imported file
    RESIDENT = "resident"  # submitted by an occupant with a photo, confirmed by staff


class ReadingStatus(StrEnum):
    RECORDED = "recorded"  # confirmed: it counts, and billing reads it
    HELD = "held"  # suspicious (a jump): waits for staff to confirm or reject
    SUBMITTED = "submitted"  # a resident's: waits for staff to confirm or reject
    REJECTED = "rejected"


class ChangeReason(StrEnum):
    REPLACED = "replaced"  # a new meter in the old one's place
    RESET = "reset"  # the same meter set back (to zero, or the initial reading)


#: By default a reading whose usage is above this many times the meter's
#: average usage is held for confirmation, not refused (decision 0056); an
#: estate's manager may set another factor and window (``jump_rule.py``,
#: decision 0064).
JUMP_FACTOR = Decimal(3)
#: By default, how many of the meter's last usages make its average.
AVERAGE_OVER = 6
#: The most usages a meter keeps, so the longest window an estate may set.
MOST_USAGES = 12
READING_PLACES = 4
MAX_READING = Decimal("1000000000")
READING_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/meters/readings")


def check_value(value: object, field: str = "reading") -> Decimal:
    """A meter's reading: not negative, at most four decimal places."""
    reading = decimal_of(value, field)
    if reading < 0:
        raise ValidationFailed(f"{field}: must not be negative")
    if reading >= MAX_READING:
        raise ValidationFailed(f"{field}: below {MAX_READING}")
    if reading != reading.quantize(Decimal(1).scaleb(-READING_PLACES)):
        raise ValidationFailed(f"{field}: at most {READING_PLACES} decimal places")
    return reading


def text_of(value: str | None, field: str, longest: int) -> str:
    text = (value or "").strip()
    if not 1 <= len(text) <= longest:
        raise ValidationFailed(f"{field}: 1-{longest} characters")
    return text


def replacement_reading_id(meter_id: UUID, version: int, which: str) -> UUID:
    """The history rows of a replacement (its final and initial readings)."""
    return uuid5(READING_NAMESPACE, f"{meter_id}/{version}/{which}")


@dataclass(frozen=True)
class JumpRule:
    """When a reading is a jump: its usage is above ``factor`` times the average
    of the meter's last ``window`` usages. A meter without earlier usage, or
    with none above zero, has no average to jump from: its first usages count
    as they are."""

    factor: Decimal = JUMP_FACTOR
    window: int = AVERAGE_OVER

    def average(self, usages: Iterable[Decimal]) -> Decimal | None:
        recent = list(usages)[-self.window :]
        if not recent:
            return None
        return sum(recent, Decimal(0)) / len(recent)

    def is_jump(self, used: Decimal, usages: Iterable[Decimal]) -> bool:
        """Exactly: ``used`` x n > factor x their sum, so that an average that does
        not divide (10 over 3) never holds a usage of exactly factor times it."""
        recent = list(usages)[-self.window :]
        total = sum(recent, Decimal(0))
        return total > 0 and used * len(recent) > self.factor * total

    def reason(self, used: Decimal, usages: Iterable[Decimal]) -> str:
        """Why a jump is held, naming the factor in force when it was entered and
        the usages averaged (the window's, or fewer on a young meter)."""
        recent = list(usages)[-self.window :]
        mean = self.average(recent) or Decimal(0)
        return (
            f"usage {used} is above {self.factor} times (the estate's jump factor) "
            f"the meter's average of {mean.quantize(Decimal('0.01'))} "
            f"over its last {len(recent)} usages"
        )


DEFAULT_RULE = JumpRule()


def choice_of(choices: type[StrEnum], value: str, field: str) -> str:
    """``value`` as one of ``choices``, or why not."""
    try:
        return choices(value).value
    except ValueError:
        raise ValidationFailed(f"{field}: one of {', '.join(choices)}") from None


def not_future(day: date, at: datetime, field: str) -> date:
    if day > at.date():
        raise ValidationFailed(f"{field}: not in the future")
    return day


@dataclass(frozen=True)
class Step:
    """One step of a meter's history, for :func:`usage_of`: a reading, or a
    replacement (``final`` of the old meter, ``initial`` of the new)."""

    reading: Decimal | None = None
    final: Decimal | None = None
    initial: Decimal | None = None


def usage_of(initial: Decimal, steps: Iterable[Step]) -> Decimal:
    """The usage over a meter's history from its installation at ``initial``:
    the sum of every reading's difference from the one before, where a
    replacement counts the old meter up to its final reading and the new one
    from its initial reading."""
    last, used = initial, Decimal(0)
    for step in steps:
        if step.reading is not None:
            used += step.reading - last
            last = step.reading
        else:
            assert step.final is not None and step.initial is not None
            used += step.final - last
            last = step.initial
    return used
