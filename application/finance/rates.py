"""Fee schedules, billing terms, shared costs and meter readings: commands and
the queries the billing run makes.

The billing run (``application/finance/accounts.py``) calls
:meth:`RateService.rates_in_force`, :meth:`~RateService.terms`,
:meth:`~RateService.shared_costs` and :meth:`~RateService.usage`. They read
the aggregates from the event log, never a read model, so a bill is made
from exactly what was recorded, however far the projections have got.

A rate change is adopted through the approval workflow (kind
``rate_change``): the subject of the approval is the estate's fee schedule,
and the decision and the change's adoption are saved together.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from application.approvals.service import ApprovalRequest, ApprovalService, Loader
from application.registry.lookups import estate_exists, unit_estate
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find
from domain.approvals.approval import Approval
from domain.approvals.rules import Level, PolicyTerms
from domain.errors import DomainError, ValidationFailed
from domain.finance.rates import (
    APPROVAL_KIND,
    LOOK_BACK_PERIODS,
    MEASURES,
    BillingTerms,
    FeeSchedule,
    MeterReadings,
    Rate,
    SharedCost,
    check_period,
    readings_id,
    schedule_id,
    shift_period,
)
from domain.finance.resolution import Resolution

# Who approves a rate change until an administrator configures the kind.
RATE_CHANGE_TERMS = PolicyTerms(
    levels=(
        Level("department", "property_manager"),
        Level("finance", "finance"),
        Level("manager", "admin"),
    )
)


class EstateNotFound(DomainError):
    title = "No such estate"


class RateService:
    """Commands on an estate's fee schedule and meter readings; the billing inputs."""

    def __init__(self, deps: ServiceDeps, approvals: ApprovalService) -> None:
        self.deps = deps
        self.approvals = approvals
        approvals.subscribe(APPROVAL_KIND, self._rate_change_decided, RATE_CHANGE_TERMS)

    def scheduled(self) -> list[ScheduledJob]:
        return []

    @property
    def _now(self) -> datetime:
        return self.deps.clock()

    # ---- what the billing run reads ----------------------------------------

    def schedule(self, estate_id: UUID) -> FeeSchedule | None:
        """The estate's fee schedule as of the log; None before anything was set."""
        return find(self.deps.event_log, schedule_id(estate_id), FeeSchedule)

    def rates_in_force(self, estate_id: UUID, period: str) -> list[Rate]:
        """Per item, the adopted rate effective on the first day of ``period``."""
        check_period(period)
        schedule = self.schedule(estate_id)
        return schedule.rates_in_force(period) if schedule else []

    def terms(self, estate_id: UUID) -> BillingTerms:
        schedule = self.schedule(estate_id)
        return schedule.billing_terms if schedule else BillingTerms()

    def shared_costs(self, estate_id: UUID, period: str) -> list[SharedCost]:
        """The shared costs recorded for ``period`` and not withdrawn."""
        check_period(period)
        schedule = self.schedule(estate_id)
        return schedule.shared_costs(period) if schedule else []

    def readings(self, estate_id: UUID, period: str) -> MeterReadings | None:
        return find(self.deps.event_log, readings_id(estate_id, period), MeterReadings)

    def usage(self, estate_id: UUID, period: str) -> dict[UUID, dict[str, Decimal]]:
        """unit -> {"water": m³, "electricity": kWh} used in ``period``.

        Usage is the unit's last reading in the period minus its last reading
        of the nearest earlier period (up to 12 back) that has one. A meter
        read for the first time is a baseline: it has no usage yet, and is
        left out, as is a unit with no usage at all.
        """
        current = self.readings(estate_id, period)
        if current is None:
            return {}
        earlier = self._nearest(estate_id, period, -1, set(current.readings))
        out: dict[UUID, dict[str, Decimal]] = {}
        for (unit_id, meter), reading in current.readings.items():
            before = earlier.get((unit_id, meter))
            if before is not None:
                out.setdefault(unit_id, {})[meter] = reading["reading"] - before
        return out

    def _nearest(
        self, estate_id: UUID, period: str, step: int, wanted: set[tuple[UUID, str]]
    ) -> dict[tuple[UUID, str], Decimal]:
        """For each wanted (unit, meter): its reading of the nearest period
        before (step -1) or after (step +1) ``period``, looking 12 periods away."""
        found: dict[tuple[UUID, str], Decimal] = {}
        for distance in range(1, LOOK_BACK_PERIODS + 1):
            missing = wanted - set(found)
            if not missing:
                break
            other = self.readings(estate_id, shift_period(period, step * distance))
            if other is None:
                continue
            for key in missing:
                value = other.latest(*key)
                if value is not None:
                    found[key] = value
        return found

    # ---- commands ---------------------------------------------------------------

    def _schedule_for(self, estate_id: UUID) -> FeeSchedule:
        schedule = self.schedule(estate_id)
        if schedule is not None:
            return schedule
        if not estate_exists(self.deps.event_log, estate_id):
            raise EstateNotFound("no such estate")
        return FeeSchedule.open(estate_id, self._now)

    def propose_rate_change(
        self,
        estate_id: UUID,
        by: UUID,
        *,
        item: str,
        rate: Decimal,
        currency: str,
        basis: str | None,
        effective_from: date,
        resolution: dict[str, Any] | None,
        contract_reference: str | None,
    ) -> tuple[UUID, UUID, int]:
        """Propose a rate and open its approval, in one save: (change, approval, position)."""
        schedule = self._schedule_for(estate_id)
        change_id, approval_id = uuid4(), uuid4()
        cited = _resolution(resolution)
        schedule.propose_rate_change(
            change_id=change_id,
            item=item,
            rate=rate,
            currency=currency,
            basis=basis,
            effective_from=effective_from,
            resolution=cited,
            contract_reference=contract_reference,
            approval_id=approval_id,
            proposed_by=by,
            at=self._now,
        )
        change = schedule.changes[change_id]
        position = self.approvals.open(
            ApprovalRequest(
                kind=APPROVAL_KIND,
                subject_id=schedule.id,
                subject_type=change["item"],
                estate_id=estate_id,
                requested_by=by,
                summary=_summary(schedule, change),
                approval_id=approval_id,
            ),
            along_with=[schedule],
        )
        return change_id, approval_id, position

    def withdraw_rate_change(self, estate_id: UUID, change_id: UUID, by: UUID, reason: str) -> int:
        """The proposer withdraws a change awaiting approval (or returned for changes)."""
        schedule = self._schedule_for(estate_id)
        change = schedule.change(change_id)
        return self.approvals.withdraw(change["approval_id"], by, reason, along_with=[schedule])

    def _rate_change_decided(self, approval: Approval, load: Loader) -> list[Any]:
        schedule = load(approval.subject_id)
        schedule.approval_decided(approval.id, str(approval.status), self._now)
        return [schedule]

    def set_terms(self, estate_id: UUID, **terms: Any) -> int:
        schedule = self._schedule_for(estate_id)
        schedule.set_terms(**terms, at=self._now)
        return self.deps.event_log.save_and_position(schedule)

    def record_shared_cost(
        self,
        estate_id: UUID,
        *,
        period: str,
        item: str,
        description: str,
        amount: Decimal,
        currency: str,
        basis: str,
    ) -> tuple[UUID, int]:
        schedule = self._schedule_for(estate_id)
        cost_id = uuid4()
        schedule.record_shared_cost(
            cost_id=cost_id,
            period=period,
            item=item,
            description=description,
            amount=amount,
            currency=currency,
            basis=basis,
            at=self._now,
        )
        return cost_id, self.deps.event_log.save_and_position(schedule)

    def withdraw_shared_cost(self, estate_id: UUID, cost_id: UUID, reason: str) -> int:
        schedule = self._schedule_for(estate_id)
        schedule.withdraw_shared_cost(cost_id, reason, self._now)
        return self.deps.event_log.save_and_position(schedule)

    def record_readings(self, estate_id: UUID, period: str, readings: list[dict[str, Any]]) -> int:
        """Record meter readings of the estate's units for ``period``."""
        check_period(period)
        if not estate_exists(self.deps.event_log, estate_id):
            raise EstateNotFound("no such estate")
        self._check_units(estate_id, {r["unit_id"] for r in readings})
        sheet = self.readings(estate_id, period) or MeterReadings.open(estate_id, period, self._now)
        wanted = {(r["unit_id"], r["meter"]) for r in readings}
        sheet.record(
            readings,
            before=self._nearest(estate_id, period, -1, wanted),
            after=self._nearest(estate_id, period, +1, wanted),
            at=self._now,
        )
        return self.deps.event_log.save_and_position(sheet)

    def _check_units(self, estate_id: UUID, unit_ids: set[UUID]) -> None:
        for unit_id in sorted(unit_ids, key=str):
            if unit_estate(self.deps.event_log, unit_id) != estate_id:
                raise ValidationFailed(f"unit {unit_id}: no such unit on this estate")


def _resolution(data: dict[str, Any] | None) -> Resolution | None:
    if data is None:
        return None
    try:
        return Resolution.from_dict(dict(data))
    except TypeError as error:
        raise ValidationFailed(f"resolution: {error}") from None


def _summary(schedule: FeeSchedule, change: dict[str, Any]) -> str:
    item = change["item"]
    current = schedule.rate_on(item, change["effective_from"])
    old = f"{current.rate} {current.currency}" if current else "none"
    measure = MEASURES.get(item, "")
    cited = (
        f"resolution {change['resolution']['reference']}"
        if change["resolution"]
        else f"contract {change['contract_reference']}"
    )
    return (
        f"Rate change of {item} ({change['basis']}, per {measure}): {old} -> "
        f"{change['rate']} {change['currency']} from {change['effective_from']}; {cited}"
    )
