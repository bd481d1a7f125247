"""Fee items, rate schedules, billing terms, shared costs and meter readings (R5.1).

These are the *inputs* of the billing run. Each estate has one
:class:`FeeSchedule` (its ID derives from the estate's): the rate of every
fee item, changed only through the approval workflow (kind ``rate_change``),
the billing terms (due days, late fees, settlement order) and the shared costs
(公摊) to split by area; meter readings per estate and month in :class:`MeterReadings`.

A rate is a price per measure, not money: it may carry up to four decimal
places (water at 3.4500 CNY/m³); a bill rounds each line's amount half-up to
the currency's minor unit. Changing a rate that is already in force needs an
owners' assembly resolution (业主大会决议) carrying an ordinary matter (Civil
Code art. 278); the first rate of an item may instead cite the preliminary
property-service contract (前期物业服务合同) it comes from.

The events are kept forever: their fields are plain strings, Decimals, dates and
UUIDs, never enums, so their meaning never depends on code.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.fee_items import METERS, SHARED_COST_ITEMS
from domain.finance.journal import PostingFunction
from domain.finance.money import DEFAULT_CURRENCY, currency_of, exact_money
from domain.finance.periods import (  # noqa: F401 (the rates' public names)
    check_period,
    period_of,
    period_start,
    shift_period,
)
from domain.finance.rate_changes import RateChangeDecisions
from domain.finance.rate_values import (  # noqa: F401 (the rates' public names)
    APPROVAL_KIND,
    AREA_BASES,
    BASES,
    LOOK_BACK_PERIODS,
    MAX_RATE,
    MAX_READINGS,
    MEASURES,
    RATE_PLACES,
    READING_PLACES,
    READINGS_NAMESPACE,
    SCHEDULE_NAMESPACE,
    BillingTerms,
    ChangeStatus,
    FeeItem,
    Rate,
    RecordNotFound,
    SharedCost,
    check_rate,
    check_reading,
    days_of,
    default_basis,
    fee_item,
    ratio_of,
    readings_id,
    schedule_id,
    text_of,
)
from domain.finance.settlement import ART_561, settlement_order_of

# Aggregate class name -> its posting function (see domain/finance/journal.py).
# Rates, terms and readings move no money: the bills made from them do.
POSTINGS: dict[str, PostingFunction] = {}

# ---- the fee schedule -------------------------------------------------------------


class FeeSchedule(RateChangeDecisions, Aggregate):
    """One estate's rates, billing terms and shared costs.

    Its decisions about rate changes are mixed in from ``rate_changes.py``;
    the ``@event`` methods stay here, so the event classes keep the topics
    they are stored under (``domain.finance.rates:FeeSchedule.RateChangeAdopted``).
    """

    @staticmethod
    def create_id(estate_id: UUID, **_: Any) -> UUID:
        return schedule_id(estate_id)

    @classmethod
    def open(cls, estate_id: UUID, at: datetime) -> FeeSchedule:
        return cls(estate_id=estate_id, at=at)

    @event("Opened")
    def __init__(self, estate_id: UUID, at: datetime) -> None:
        self.estate_id = estate_id
        self.changes: dict[UUID, dict[str, Any]] = {}
        self.billing_terms = BillingTerms()
        self.shared: dict[UUID, dict[str, Any]] = {}

    # ---- rates ---------------------------------------------------------------

    def adopted(self, item: str) -> list[dict[str, Any]]:
        """The adopted changes of ``item``, in the order they were adopted."""
        found = [c for c in self.changes.values() if c["item"] == item and c["status"] == "adopted"]
        return sorted(found, key=lambda c: c["adopted_seq"])

    def pending(self, item: str) -> dict[str, Any] | None:
        return next(
            (c for c in self.changes.values() if c["item"] == item and c["status"] == "pending"),
            None,
        )

    def rate_on(self, item: str, day: date) -> Rate | None:
        """The rate of ``item`` in force on ``day``: of the adopted changes
        effective by then, the one effective latest (the later adopted on a tie)."""
        candidates = [c for c in self.adopted(item) if c["effective_from"] <= day]
        if not candidates:
            return None
        c = max(candidates, key=lambda c: (c["effective_from"], c["adopted_seq"]))
        return Rate(c["item"], c["rate"], c["currency"], c["basis"], c["effective_from"], c["id"])

    def rates_in_force(self, period: str) -> list[Rate]:
        start = period_start(period)
        found = (self.rate_on(item.value, start) for item in FeeItem)
        return [rate for rate in found if rate is not None]

    @event("RateChangeProposed")
    def _rate_change_proposed(
        self,
        change_id: UUID,
        item: str,
        rate: Decimal,
        currency: str,
        basis: str,
        effective_from: date,
        resolution: dict[str, Any] | None,
        contract_reference: str | None,
        approval_id: UUID,
        proposed_by: UUID,
        at: datetime,
    ) -> None:
        self.changes[change_id] = {
            "id": change_id,
            "item": item,
            "rate": rate,
            "currency": currency,
            "basis": basis,
            "effective_from": effective_from,
            "resolution": resolution,
            "contract_reference": contract_reference,
            "approval_id": approval_id,
            "proposed_by": proposed_by,
            "proposed_at": at,
            "status": "pending",
            "adopted_seq": None,
        }

    def change(self, change_id: UUID) -> dict[str, Any]:
        found = self.changes.get(change_id)
        if found is None:
            raise RecordNotFound("no such rate change")
        return found

    @event("RateChangeAdopted")
    def _rate_change_adopted(self, change_id: UUID, approval_id: UUID, at: datetime) -> None:
        change = self.changes[change_id]
        change["status"] = "adopted"
        change["adopted_seq"] = sum(1 for c in self.changes.values() if c["status"] == "adopted")

    @event("RateChangeRejected")
    def _rate_change_rejected(
        self, change_id: UUID, approval_id: UUID, outcome: str, at: datetime
    ) -> None:
        self.changes[change_id]["status"] = "rejected"

    # ---- billing terms -----------------------------------------------------------

    def set_terms(
        self,
        *,
        due_days: int = 15,
        late_fee_daily_rate: object = "0",
        late_fee_grace_days: int = 0,
        late_fee_cap_ratio: object = "1",
        currency: str = DEFAULT_CURRENCY,
        settlement_order: str = ART_561,
        at: datetime,
    ) -> None:
        """Set every billing term at once (those not given take their defaults)."""
        currency = currency_of(currency)
        others = {
            c["currency"] for c in self.changes.values() if c["status"] in ("pending", "adopted")
        } - {currency}
        if others:
            raise ValidationFailed(
                f"currency: this estate's rates are in {', '.join(sorted(others))}"
            )
        self._terms_set(
            due_days=days_of(due_days, "due_days", 1, 365),
            late_fee_daily_rate=ratio_of(
                late_fee_daily_rate, "late_fee_daily_rate", Decimal(0), Decimal("0.01")
            ),
            late_fee_grace_days=days_of(late_fee_grace_days, "late_fee_grace_days", 0, 365),
            late_fee_cap_ratio=ratio_of(
                late_fee_cap_ratio, "late_fee_cap_ratio", Decimal(0), Decimal(1)
            ),
            currency=currency,
            at=at,
            settlement_order=settlement_order_of(settlement_order),
        )

    class TermsSet(Aggregate.Event):
        """v2 (decision 0022): ``settlement_order``; v1 terms settled by art. 561."""

        class_version = 2
        due_days: int
        late_fee_daily_rate: Decimal
        late_fee_grace_days: int
        late_fee_cap_ratio: Decimal
        currency: str
        at: datetime
        settlement_order: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["settlement_order"] = ART_561

    @event(TermsSet)
    def _terms_set(
        self,
        due_days: int,
        late_fee_daily_rate: Decimal,
        late_fee_grace_days: int,
        late_fee_cap_ratio: Decimal,
        currency: str,
        at: datetime,
        settlement_order: str = ART_561,
    ) -> None:
        terms = (due_days, late_fee_daily_rate, late_fee_grace_days, late_fee_cap_ratio, currency)
        self.billing_terms = BillingTerms(*terms, settlement_order)

    # ---- shared costs (公摊) ----------------------------------------------------------

    def record_shared_cost(
        self,
        *,
        cost_id: UUID,
        period: str,
        item: str,
        description: str,
        amount: object,
        currency: str,
        basis: str,
        at: datetime,
    ) -> None:
        """A cost of ``period`` to be split over the units by ``basis`` area."""
        item = fee_item(item)
        if item not in SHARED_COST_ITEMS:
            raise ValidationFailed(f"item: a shared cost is {' or '.join(SHARED_COST_ITEMS)}")
        if basis not in AREA_BASES:
            raise ValidationFailed("basis: gross or internal area")
        money = exact_money(amount, currency_of(currency))
        if money <= 0:
            raise ValidationFailed("amount: must be above 0")
        if currency != self.billing_terms.currency:
            raise ValidationFailed(
                f"currency: this estate bills in {self.billing_terms.currency}, not {currency}"
            )
        if cost_id in self.shared:
            raise InvalidTransition("this shared cost was already recorded")
        self._shared_cost_recorded(
            cost_id=cost_id,
            period=check_period(period),
            item=item,
            description=text_of(description, "description", 500),
            amount=money,
            currency=currency,
            basis=basis,
            at=at,
        )

    @event("SharedCostRecorded")
    def _shared_cost_recorded(
        self,
        cost_id: UUID,
        period: str,
        item: str,
        description: str,
        amount: Decimal,
        currency: str,
        basis: str,
        at: datetime,
    ) -> None:
        self.shared[cost_id] = {
            "cost": SharedCost(cost_id, item, description, amount, currency, basis),
            "period": period,
            "withdrawn": False,
        }

    def withdraw_shared_cost(self, cost_id: UUID, reason: str, at: datetime) -> None:
        record = self.shared.get(cost_id)
        if record is None:
            raise RecordNotFound("no such shared cost")
        if record["withdrawn"]:
            raise InvalidTransition("the shared cost is already withdrawn")
        self._shared_cost_withdrawn(cost_id=cost_id, reason=text_of(reason, "reason", 500), at=at)

    @event("SharedCostWithdrawn")
    def _shared_cost_withdrawn(self, cost_id: UUID, reason: str, at: datetime) -> None:
        self.shared[cost_id]["withdrawn"] = True

    def shared_costs(self, period: str) -> list[SharedCost]:
        check_period(period)
        return [
            r["cost"] for r in self.shared.values() if r["period"] == period and not r["withdrawn"]
        ]


# ---- meter readings -------------------------------------------------------------------


class MeterReadings(Aggregate):
    """The metered items' readings (water, electricity, gas) of one estate's units for one month.

    The last reading of a (unit, meter) in the month stands; usage is the
    difference from the unit's last reading of an earlier month.
    """

    @staticmethod
    def create_id(estate_id: UUID, period: str, **_: Any) -> UUID:
        return readings_id(estate_id, period)

    @classmethod
    def open(cls, estate_id: UUID, period: str, at: datetime) -> MeterReadings:
        return cls(estate_id=estate_id, period=check_period(period), at=at)

    @event("Opened")
    def __init__(self, estate_id: UUID, period: str, at: datetime) -> None:
        self.estate_id = estate_id
        self.period = period
        self.readings: dict[tuple[UUID, str], dict[str, Any]] = {}

    def latest(self, unit_id: UUID, meter: str) -> Decimal | None:
        found = self.readings.get((unit_id, meter))
        return found["reading"] if found else None

    def record(
        self,
        readings: list[dict[str, Any]],
        *,
        before: dict[tuple[UUID, str], Decimal],
        after: dict[tuple[UUID, str], Decimal],
        at: datetime,
    ) -> None:
        """Record a batch of readings; each replaces the month's earlier one of its meter.

        ``before`` and ``after`` are the units' readings of the nearest
        earlier and later months: a meter never runs backwards.
        """
        if not 1 <= len(readings) <= MAX_READINGS:
            raise ValidationFailed(f"readings: 1-{MAX_READINGS} of them")
        start = period_start(self.period)
        last_day = period_start(shift_period(self.period, 2))
        clean: list[dict[str, Any]] = []
        seen: set[tuple[UUID, str]] = set()
        for r in readings:
            unit_id, meter = r["unit_id"], r["meter"]
            if meter not in METERS:
                raise ValidationFailed(f"meter of unit {unit_id}: one of {', '.join(METERS)}")
            if (unit_id, meter) in seen:
                raise ValidationFailed(f"unit {unit_id}: two {meter} readings in one batch")
            seen.add((unit_id, meter))
            value = check_reading(r["reading"])
            read_on = r["read_on"]
            if not isinstance(read_on, date) or not start <= read_on < last_day:
                raise ValidationFailed(
                    f"read_on of unit {unit_id}: in {self.period} or the month after"
                )
            if read_on > at.date():
                raise ValidationFailed(f"read_on of unit {unit_id}: not in the future")
            earlier = before.get((unit_id, meter))
            if earlier is not None and value < earlier:
                raise ValidationFailed(
                    f"unit {unit_id}: {meter} reading {value} is below "
                    f"its earlier reading {earlier}"
                )
            later = after.get((unit_id, meter))
            if later is not None and value > later:
                raise ValidationFailed(
                    f"unit {unit_id}: {meter} reading {value} is above its later reading {later}"
                )
            clean.append({"unit_id": unit_id, "meter": meter, "reading": value, "read_on": read_on})
        self._readings_recorded(estate_id=self.estate_id, period=self.period, readings=clean, at=at)

    @event("ReadingsRecorded")
    def _readings_recorded(
        self, estate_id: UUID, period: str, readings: list[dict[str, Any]], at: datetime
    ) -> None:
        for r in readings:
            self.readings[(r["unit_id"], r["meter"])] = r
