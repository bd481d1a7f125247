"""Money: a Decimal amount with an explicit currency, rounded to its minor units.

No float ever becomes money: :class:`Money` refuses one, and amounts travel
in events and JSON as decimal strings. Each currency has its own number of
minor units (CNY and USD 2, JPY 0, KWD 3); amounts are rounded half-up
(四舍五入), as Chinese billing practice expects. Splitting an amount across
shares (公摊, a fund spending over units) uses the largest-remainder method,
so the parts always add up to the whole to the minor unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from domain.errors import ValidationFailed

# ISO 4217 minor units of the currencies a property company meets.
MINOR_UNITS: dict[str, int] = {
    "CNY": 2,
    "HKD": 2,
    "MOP": 2,
    "TWD": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "SGD": 2,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
}
DEFAULT_CURRENCY = "CNY"


def currency_of(code: str) -> str:
    """``code`` if it is a currency we keep books in; else a clear refusal."""
    if code not in MINOR_UNITS:
        raise ValidationFailed(f"currency: {code!r} is not one of {', '.join(sorted(MINOR_UNITS))}")
    return code


def quantum(currency: str) -> Decimal:
    """The smallest amount of ``currency``: 0.01 for CNY, 1 for JPY."""
    return Decimal(1).scaleb(-MINOR_UNITS[currency_of(currency)])


def decimal_of(value: object, what: str = "amount") -> Decimal:
    """A finite Decimal from a Decimal, int or decimal string; never from a float."""
    if isinstance(value, (bool, float)):
        raise ValidationFailed(f"{what}: give a decimal string, not a float")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed(f"{what}: {value!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValidationFailed(f"{what}: must be a finite number")
    return number


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-up to the minor unit of ``currency``."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def floor_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded towards zero to the minor unit (for caps and limits)."""
    return amount.quantize(quantum(currency), rounding=ROUND_DOWN)


def exact_money(value: object, currency: str, what: str = "amount") -> Decimal:
    """An amount the caller states: it must already be in whole minor units."""
    amount = decimal_of(value, what)
    if amount != round_money(amount, currency):
        raise ValidationFailed(
            f"{what}: {currency} has {MINOR_UNITS[currency]} decimal places, got {amount}"
        )
    return round_money(amount, currency)


@dataclass(frozen=True, order=True)
class Money:
    """An amount of one currency, always in whole minor units."""

    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", currency_of(self.currency))
        object.__setattr__(self, "amount", round_money(decimal_of(self.amount), self.currency))

    @classmethod
    def of(cls, value: object, currency: str = DEFAULT_CURRENCY) -> Money:
        """Exactly ``value`` (a decimal string or Decimal); refuses sub-minor-unit amounts."""
        return cls(exact_money(value, currency), currency)

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValidationFailed(f"cannot mix {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, factor: Decimal) -> Money:
        """This amount times ``factor``, rounded half-up to the minor unit."""
        return Money(self.amount * decimal_of(factor, "factor"), self.currency)

    def min(self, other: Money) -> Money:
        self._same(other)
        return self if self.amount <= other.amount else other

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def allocate(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights``; the parts sum to ``total`` exactly.

    Each part is first rounded down to the minor unit; the minor units left
    over go one each to the parts with the largest remainders (ties: the
    earlier part). Zero weights get nothing; all-zero weights are refused.
    """
    total = exact_money(total, currency, "total")
    if any(w < 0 for w in weights):
        raise ValidationFailed("weights must not be negative")
    weight_sum = sum(weights, Decimal(0))
    if not weights or weight_sum == 0:
        raise ValidationFailed("nothing to split over: every share is zero")
    step = quantum(currency)
    sign = Decimal(-1) if total < 0 else Decimal(1)
    magnitude = abs(total)
    exact = [magnitude * w / weight_sum for w in weights]
    parts = [e.quantize(step, rounding=ROUND_DOWN) for e in exact]
    left = int((magnitude - sum(parts, Decimal(0))) / step)
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += step
    return [sign * p for p in parts]
