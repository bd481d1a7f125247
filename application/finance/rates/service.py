"""Fee schedules, billing terms, shared costs and meter readings: commands and
the queries the billing run makes.

The billing run (``application/finance/accounts/billing.py``) calls
:meth:`RateService.rates_in_force`, :meth:`~RateService.terms`,
:meth:`~RateService.shared_costs` and :meth:`~RateService.usage`. They read
the aggregates from the event log, never a read model, so a bill is made
from exactly what was recorded, however far the projections have got.

A rate change is adopted through the approval workflow (kind
``rate_change``): the subject of the approval is the estate's fee schedule,
and the decision and the change's adoption are saved together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.actor import HIDDEN, Actor
from application.approvals.service import ApprovalRequest, ApprovalService, Loader
from application.errors import Forbidden, NotFound
from application.finance.ports import EstateTotals
from application.finance.rates.commands import (
    NameVacancyPayer,
    ProposeRateChange,
    RecordMeterReadings,
    RecordSharedCost,
    SetBillingTerms,
    SetTaxSettings,
    WithdrawRateChange,
    WithdrawSharedCost,
)
from application.finance.rates.sheets import ReadingSheets
from application.finance.resolutions import counted
from application.registry.lookups import estate_exists, person_of_estate, unit_estate
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find
from domain.approvals.approval import Approval
from domain.approvals.rules import Level, PolicyTerms
from domain.errors import DomainError, ValidationFailed
from domain.finance.periods import period_bounds
from domain.finance.rates import (
    APPROVAL_KIND,
    MEASURES,
    BillingTerms,
    FeeSchedule,
    MeterReadings,
    Rate,
    RecordNotFound,
    SharedCost,
    check_period,
    schedule_id,
)
from domain.finance.resolution import Resolution
from domain.finance.tax import ItemTax, TaxSettings, tax_settings_id, taxes_of
from domain.finance.vacancy import VacancyPayer, vacancy_payer_id
from domain.identity.policy import Scope, widest_scope

# Who approves a rate change until an administrator configures the kind.
RATE_CHANGE_TERMS = PolicyTerms(
    levels=(
        Level("department", "property_manager"),
        Level("finance", "finance"),
        Level("manager", "admin"),
    )
)


class EstateNotFound(NotFound, DomainError):
    """No such estate, or no such record on its schedule, or not the actor's to see."""

    title = "No such record"

    def __init__(self, detail: str) -> None:
        DomainError.__init__(self, detail)


class RateService:
    """Commands on an estate's fee schedule and meter readings; the billing inputs."""

    def __init__(self, deps: ServiceDeps, approvals: ApprovalService, totals: EstateTotals) -> None:
        self.deps = deps
        self.totals = totals
        self.approvals = approvals
        self.sheets = ReadingSheets(deps)
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
        return self.sheets.readings(estate_id, period)

    def usage(self, estate_id: UUID, period: str) -> dict[UUID, dict[str, Decimal]]:
        """unit -> {"water": m³, "electricity": kWh, "gas": m³} used in ``period``.

        Usage is the unit's last reading in the period minus its last reading
        of the nearest earlier period (up to 12 back) that has one. A meter
        read for the first time is a baseline: it has no usage yet, and is
        left out, as is a unit with no usage at all.
        """
        current = self.readings(estate_id, period)
        if current is None:
            return {}
        earlier = self.sheets.nearest(estate_id, period, -1, set(current.readings))
        out: dict[UUID, dict[str, Decimal]] = {}
        for (unit_id, meter), reading in current.readings.items():
            before = earlier.get((unit_id, meter))
            if before is not None:
                out.setdefault(unit_id, {})[meter] = reading["reading"] - before
        return out

    # ---- authorizing ---------------------------------------------------------------

    def authorize(self, actor: Actor, action: str, estate_id: UUID) -> None:
        """Staff of the estate (or of every estate) pass; another estate's, or a
        missing estate, is hidden (404); a caller who may only see their own
        records is refused (403): a fee schedule is no one's own."""
        if widest_scope(actor.permissions, action) not in (Scope.ANY, Scope.ESTATE):
            raise Forbidden(f"this needs {action} for the estate")
        actor.check(action, None, estate_id)

    def _schedule_for(self, actor: Actor, estate_id: UUID) -> FeeSchedule:
        """The estate's schedule (a new one if nothing was set), once the actor may manage it."""
        self.authorize(actor, "finance:manage", estate_id)
        schedule = self.schedule(estate_id)
        if schedule is not None:
            return schedule
        if not estate_exists(self.deps.event_log, estate_id):
            raise EstateNotFound(HIDDEN)
        return FeeSchedule.open(estate_id, self._now)

    def readable(self, actor: Actor, estate_id: UUID) -> None:
        """The actor may read the estate's fee schedule, readings and shared costs."""
        self.authorize(actor, "finance:read", estate_id)
        if not estate_exists(self.deps.event_log, estate_id):
            raise EstateNotFound(HIDDEN)

    # ---- handlers -------------------------------------------------------------------

    def propose(self, command: ProposeRateChange) -> tuple[UUID, UUID, int]:
        """Propose a rate and open its approval, in one save: (change, approval, position)."""
        schedule = self._schedule_for(command.actor, command.estate_id)
        by = command.actor.user_id
        change_id, approval_id = self.deps.ids(), self.deps.ids()
        schedule.propose_rate_change(
            change_id=change_id,
            item=command.item,
            rate=command.rate,
            currency=command.currency,
            basis=command.basis,
            effective_from=command.effective_from,
            resolution=_resolution(
                counted(command.resolution, command.estate_id, self.totals, self._now.date())
            ),
            contract_reference=command.contract_reference,
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
                estate_id=command.estate_id,
                requested_by=by,
                summary=_summary(schedule, change),
                approval_id=approval_id,
            ),
            along_with=[schedule],
        )
        return change_id, approval_id, position

    def withdraw_change(self, command: WithdrawRateChange) -> int:
        """The proposer withdraws a change awaiting approval (or returned for changes)."""
        schedule = self._schedule_for(command.actor, command.estate_id)
        with _hidden_when_missing():
            change = schedule.change(command.change_id)
        return self.approvals.withdraw(
            change["approval_id"], command.actor.user_id, command.reason, along_with=[schedule]
        )

    def _rate_change_decided(self, approval: Approval, load: Loader) -> list[Any]:
        schedule = load(approval.subject_id)
        schedule.approval_decided(approval.id, str(approval.status), self._now)
        return [schedule]

    def set_terms(self, command: SetBillingTerms) -> int:
        schedule = self._schedule_for(command.actor, command.estate_id)
        schedule.set_terms(
            due_days=command.due_days,
            late_fee_daily_rate=command.late_fee_daily_rate,
            late_fee_grace_days=command.late_fee_grace_days,
            late_fee_cap_ratio=command.late_fee_cap_ratio,
            currency=command.currency,
            settlement_order=command.settlement_order,
            at=self._now,
        )
        return self.deps.event_log.save_and_position(schedule)

    def name_vacancy_payer(self, command: NameVacancyPayer) -> int:
        self._schedule_for(command.actor, command.estate_id)  # authorizes, checks the estate
        person = person_of_estate(self.deps.event_log, command.person_id, command.estate_id)
        if person is None:
            raise ValidationFailed("person_id: no such person in this estate's registry")
        payer = self.vacancy_payer(command.estate_id) or VacancyPayer(
            estate_id=command.estate_id, at=self._now
        )
        payer.name(person.id, person.user_id, command.actor.user_id, self._now)
        return self.deps.event_log.save_and_position(payer)

    def set_tax(self, command: SetTaxSettings) -> int:
        self._schedule_for(command.actor, command.estate_id)  # authorizes, checks the estate
        settings = self.tax_settings(command.estate_id) or TaxSettings(
            estate_id=command.estate_id, at=self._now
        )
        settings.set(
            taxpayer=command.taxpayer,
            items=command.items,
            effective_from=command.effective_from,
            today=self._now.date(),
            by=command.actor.user_id,
            at=self._now,
        )
        return self.deps.event_log.save_and_position(settings)

    def tax_settings(self, estate_id: UUID, position: int | None = None) -> TaxSettings | None:
        """The estate's VAT settings (decision 0023), as they stood at ``position``
        if given; None until first set."""
        return find(self.deps.event_log, tax_settings_id(estate_id), TaxSettings, position)

    def taxes(self, estate_id: UUID, period: str) -> dict[str, ItemTax]:
        """How the period's bill lines are taxed, per item (empty: untaxed revenue)."""
        settings = self.tax_settings(estate_id)
        return taxes_of(settings.in_force(period_bounds(period)[0]) if settings else None)

    def vacancy_payer(self, estate_id: UUID) -> VacancyPayer | None:
        """Who the billing run bills vacant units to; None until one is named."""
        return find(self.deps.event_log, vacancy_payer_id(estate_id), VacancyPayer)

    def record_cost(self, command: RecordSharedCost) -> tuple[UUID, int]:
        schedule = self._schedule_for(command.actor, command.estate_id)
        cost_id = self.deps.ids()
        schedule.record_shared_cost(
            cost_id=cost_id,
            period=command.period,
            item=command.item,
            description=command.description,
            amount=command.amount.amount,
            currency=command.amount.currency,
            basis=command.basis,
            at=self._now,
        )
        return cost_id, self.deps.event_log.save_and_position(schedule)

    def withdraw_cost(self, command: WithdrawSharedCost) -> int:
        schedule = self._schedule_for(command.actor, command.estate_id)
        with _hidden_when_missing():
            schedule.withdraw_shared_cost(command.cost_id, command.reason, self._now)
        return self.deps.event_log.save_and_position(schedule)

    def record_readings(self, command: RecordMeterReadings) -> int:
        """Record meter readings of the estate's units for the period."""
        estate_id, period, readings = command.estate_id, command.period, command.readings
        self.authorize(command.actor, "finance:manage", estate_id)
        if not estate_exists(self.deps.event_log, estate_id):
            raise EstateNotFound(HIDDEN)
        check_period(period)
        self._check_units(estate_id, {r["unit_id"] for r in readings})
        sheet = self.sheets.sheet_with(estate_id, period, readings)
        return self.deps.event_log.save_and_position(sheet)

    def _check_units(self, estate_id: UUID, unit_ids: set[UUID]) -> None:
        for unit_id in sorted(unit_ids, key=str):
            if unit_estate(self.deps.event_log, unit_id) != estate_id:
                raise ValidationFailed(f"unit {unit_id}: no such unit on this estate")


@contextmanager
def _hidden_when_missing() -> Iterator[None]:
    """A change or cost the schedule does not have is answered like another estate's."""
    try:
        yield
    except RecordNotFound:
        raise EstateNotFound(HIDDEN) from None


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
