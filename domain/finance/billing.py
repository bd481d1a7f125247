"""What a unit is billed for one period: pure arithmetic over facts and rates (R5.1).

The billing run gathers the facts (areas, owners and their dates, parking
spaces, meter usage, shared costs) and the rates in force; this module turns
them into bill lines. A unit is billed for the days it has an owner (from
delivery or purchase to sale) and its vacant days to the estate's
vacant-unit payer (``domain/finance/vacancy.py``): a move-in or move-out
mid-month prorates the area and parking charges by days; a change of owners
mid-month gives each owner (and the vacant-unit payer) their own bill.
Metered usage and the unit's share of shared costs go on the bill of the
period's last owner (or the vacant-unit payer, when the unit ends it vacant).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from uuid import UUID

from domain.finance.account import BillLine
from domain.finance.fee_items import LineRule, items_by
from domain.finance.money import allocate, round_money
from domain.finance.periods import period_bounds
from domain.finance.rates import Rate, SharedCost

AREA_ITEMS = items_by(LineRule.AREA)
SPACE_ITEMS = items_by(LineRule.SPACE)
METERED = items_by(LineRule.METERED)
SHARE_UNIT = items_by(LineRule.SHARED)[0].line_unit
ZERO = Decimal(0)


@dataclass(frozen=True)
class Ownership:
    """One owner's time with the unit; ``ends_on`` is the day they left (not billed)."""

    person_id: UUID
    user_id: UUID | None
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class UnitFacts:
    unit_id: UUID
    gross_area: Decimal
    internal_area: Decimal
    parking_spaces: int
    owners: tuple[Ownership, ...]

    def area(self, basis: str) -> Decimal:
        return self.internal_area if basis == "internal" else self.gross_area


@dataclass(frozen=True)
class Segment:
    """Consecutive days of a period with the same owners: one bill."""

    starts_on: date
    ends_on: date  # inclusive
    payers: tuple[Ownership, ...]

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def segments(
    owners: tuple[Ownership, ...], period: str, vacant: Ownership | None = None
) -> list[Segment]:
    """Split the period where the set of owners changes; days with no owner
    (vacant, 空置) are billed to ``vacant``, the estate's vacant-unit payer,
    or not at all when there is none.

    Only the days an ownership starts or ends can change the set, so the
    period is cut at those days rather than walked day by day.
    """
    first, last = period_bounds(period)
    cuts = {first, last + timedelta(days=1)}
    for o in owners:
        for day in (o.starts_on, o.ends_on):
            if day is not None and first < day <= last:
                cuts.add(day)
    bounds = sorted(cuts)
    out: list[Segment] = []
    for start, stop in pairwise(bounds):
        present = tuple(
            o for o in owners if o.starts_on <= start and (o.ends_on is None or start < o.ends_on)
        )
        if not present:
            if vacant is None:
                continue
            present = (vacant,)
        end = stop - timedelta(days=1)
        same = out and out[-1].ends_on == start - timedelta(days=1)
        if same and {o.person_id for o in present} == {o.person_id for o in out[-1].payers}:
            out[-1] = Segment(out[-1].starts_on, end, out[-1].payers)
        else:
            out.append(Segment(start, end, present))
    return out


def vacant_days(owners: tuple[Ownership, ...], period: str) -> int:
    """How many days of the period the registry names no owner of the unit."""
    first, last = period_bounds(period)
    return (last - first).days + 1 - sum(s.days for s in segments(owners, period))


@dataclass
class PeriodInputs:
    """Everything the run knows for the estate and period."""

    period: str
    currency: str
    rates: dict[str, Rate]
    usage: dict[UUID, dict[str, Decimal]] = field(default_factory=dict)
    shares: dict[UUID, list[tuple[SharedCost, Decimal]]] = field(default_factory=dict)


def shared_shares(
    costs: list[SharedCost], units: list[UnitFacts]
) -> dict[UUID, list[tuple[SharedCost, Decimal]]]:
    """Each billed unit's part of each shared cost, by area, adding up exactly (公摊)."""
    shares: dict[UUID, list[tuple[SharedCost, Decimal]]] = {u.unit_id: [] for u in units}
    if not units:
        return shares
    for cost in costs:
        parts = allocate(cost.amount, [u.area(cost.basis) for u in units], cost.currency)
        for unit, part in zip(units, parts, strict=True):
            if part:
                shares[unit.unit_id].append((cost, part))
    return shares


def day_share(
    month: Decimal, parts: Sequence[Segment], index: int, days_in_period: int, currency: str
) -> Decimal:
    """The ``index``-th part's share of a month's fee, by its days.

    The month's fee is rounded once and split over every part of the period
    (and the days no part bills), so a seller's and a buyer's shares add up
    to the month's fee to the fen; the minor unit rounding leaves over goes
    to the part with the largest remainder (ties: the earlier part).
    """
    if len(parts) == 1 and parts[0].days == days_in_period:
        return month
    weights = [Decimal(p.days) for p in parts]
    unbilled = days_in_period - sum(p.days for p in parts)
    if unbilled:
        weights.append(Decimal(unbilled))
    return allocate(month, weights, currency)[index]


def bill_lines(
    unit: UnitFacts, parts: Sequence[Segment], index: int, inputs: PeriodInputs
) -> list[BillLine]:
    """The lines of the ``index``-th part's bill; amounts rounded half-up per line."""
    first, last = period_bounds(inputs.period)
    days_in_period = (last - first).days + 1
    segment = parts[index]
    last_segment = index == len(parts) - 1
    fraction = Decimal(segment.days) / Decimal(days_in_period)
    cur = inputs.currency

    def share(month: Decimal) -> Decimal:
        return day_share(round_money(month, cur), parts, index, days_in_period, cur)

    lines: list[BillLine] = []
    prorated = "" if segment.days == days_in_period else f" ({segment.days}/{days_in_period} days)"
    for spec in AREA_ITEMS:
        rate = inputs.rates.get(spec.item)
        if rate is None:
            continue
        area = unit.area(rate.basis)
        amount = share(area * rate.rate)
        if amount > 0:
            name = spec.item.replace("_", " ")
            desc = f"{name}: {area} m² ({rate.basis}) x {rate.rate}{prorated}"
            lines.append(
                BillLine(spec.item, desc, area * fraction, spec.line_unit, rate.rate, amount)
            )
    for spec in SPACE_ITEMS:
        rate = inputs.rates.get(spec.item)
        if rate is None or not unit.parking_spaces:
            continue
        amount = share(rate.rate * unit.parking_spaces)
        if amount > 0:
            desc = f"{spec.item}: {unit.parking_spaces} space(s) x {rate.rate}{prorated}"
            qty = Decimal(unit.parking_spaces) * fraction
            lines.append(BillLine(spec.item, desc, qty, spec.line_unit, rate.rate, amount))
    if last_segment:
        for spec in METERED:
            rate = inputs.rates.get(spec.item)
            used = inputs.usage.get(unit.unit_id, {}).get(spec.item, ZERO)
            if rate is None or used <= 0:
                continue
            amount = round_money(used * rate.rate, cur)
            if amount > 0:
                desc = f"{spec.item}: {used} {spec.line_unit} x {rate.rate}"
                lines.append(BillLine(spec.item, desc, used, spec.line_unit, rate.rate, amount))
        for cost, part in inputs.shares.get(unit.unit_id, []):
            desc = f"shared cost: {cost.description} (by {cost.basis} area)"
            lines.append(BillLine(cost.item, desc, Decimal(1), SHARE_UNIT, part, part))
    return lines
