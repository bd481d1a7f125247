"""Billing runs: every owned unit of an estate billed for a period, each item once (R5.1).

A later run of a billed period is a supplementary run: it bills the fee items
in force now that no run of the period billed, and the shared costs recorded
since (``BillingRun.unbilled``), on bills of their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.finance.accounts.commands import RunBilling
from application.finance.rates import RateService
from application.registry import lookups
from application.services import ServiceDeps, find
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.account import UnitAccount, account_id_for, bill_id_for
from domain.finance.billing import (
    Ownership,
    PeriodInputs,
    UnitFacts,
    bill_lines,
    segments,
    shared_shares,
    vacant_days,
)
from domain.finance.billing_run import BillingRun, rate_records, run_id_for, supplement_id_for
from domain.finance.bills import due_date
from domain.finance.periods import period_bounds
from domain.finance.tax import taxed

#: How long a run waits for the registry's read model to reach the log's head.
REGISTRY_WAIT_SECONDS = 30


@dataclass(frozen=True)
class RunResult:
    run_id: UUID
    estate_id: UUID
    period: str
    bills: int
    units_billed: int
    units_skipped: int
    amount: Decimal
    currency: str
    position: int
    already_run: bool
    kind: str = "regular"  # or "supplementary": a later run of a billed period
    supplement: int = 0  # the supplementary run's number within its period


class BillingRuns:
    def __init__(self, deps: ServiceDeps, rates: RateService) -> None:
        self.deps = deps
        self.rates = rates

    def run(self, command: RunBilling) -> RunResult:
        """Bill every owned unit of the estate for the period. Running a billed
        period again bills what no run of it billed yet (a supplementary run), or
        nothing when nothing new is in force."""
        estate_id, period = command.estate_id, command.period
        command.actor.check("finance:manage", None, estate_id)
        first, last = period_bounds(period)
        today = self.deps.clock().date()
        if first > today + timedelta(days=31):
            raise ValidationFailed("period: bill at most one month ahead")
        if not lookups.estate_exists(self.deps.event_log, estate_id):
            raise ValidationFailed("estate_id: no such estate")
        done = find(self.deps.event_log, run_id_for(estate_id, period), BillingRun)
        rates = self.rates.rates_in_force(estate_id, period)
        costs = self.rates.shared_costs(estate_id, period)
        if done is not None:
            rates, costs = done.unbilled(rates, costs)
            if not rates and not costs:
                return _result(done, position=0, already_run=True)
        elif not rates and not costs:
            raise ValidationFailed(f"no rates are in force for {period}; adopt a fee schedule")
        # Areas, owners and parking come from the registry's read model: let
        # it reach the log's head first, so a move-in a moment ago counts.
        head = self.deps.event_log.head()
        if not self.deps.progress.wait("registry", head, REGISTRY_WAIT_SECONDS):
            raise InvalidTransition("the registry is catching up; try again shortly")
        terms = self.rates.terms(estate_id)
        inputs = PeriodInputs(
            period=period, currency=terms.currency, rates={r.item: r for r in rates}
        )
        units = self._facts(estate_id)
        vacant = self._vacancy_payer(estate_id, units, period)
        parts_of = {u.unit_id: segments(u.owners, period, vacant) for u in units}
        billed = [u for u in units if parts_of[u.unit_id]]
        inputs.shares = shared_shares(costs, billed)
        inputs.usage = self.rates.usage(estate_id, period)
        accounts = self.deps.event_log.load_many([account_id_for(u.unit_id) for u in billed])
        now = self.deps.clock()
        number = 0 if done is None else done.supplements + 1
        run_id = (
            run_id_for(estate_id, period) if done is None else supplement_id_for(done.id, number)
        )
        due_on = due_date(first, today, terms.due_days)
        taxes = self.rates.taxes(estate_id, period)
        changed: list[UnitAccount] = []
        bills, total = 0, Decimal(0)
        for unit in billed:
            account = accounts.get(account_id_for(unit.unit_id))
            if account is None:
                account = UnitAccount.open(estate_id, unit.unit_id, terms.currency, now)
            parts = parts_of[unit.unit_id]
            for index, part in enumerate(parts):
                lines = taxed(bill_lines(unit, parts, index, inputs), taxes, terms.currency)
                if not lines:
                    continue
                account.issue_bill(
                    bill_id=bill_id_for(unit.unit_id, period, part.starts_on, number),
                    period=period,
                    run_id=run_id,
                    lines=lines,
                    payer_ids=[o.person_id for o in part.payers],
                    days=part.days,
                    days_in_period=(last - first).days + 1,
                    issued_on=today,
                    due_on=due_on,
                    at=now,
                )
                bills += 1
                total += sum((line.amount for line in lines), Decimal(0))
            if account.pending_events:
                changed.append(account)
        figures: dict[str, Any] = {
            "bills": bills,
            "units_billed": len(changed),
            "units_skipped": len(units) - len(changed),
            "amount": total,
            "registry_position": head,
            "run_by": command.actor.user_id,
            "at": now,
        }
        if done is not None:
            if not bills:  # the new items bill no unit (no parking space): nothing to record
                return _result(done, position=0, already_run=True)
            done.supplement(rates=rates, costs=costs, **figures)
            position = self.deps.event_log.save_bulk([*changed, done], chunk_size=2000)
            return _supplement_result(done, figures, run_id, position)
        if not bills:
            # Recording an empty run would mark the period billed for good.
            raise ValidationFailed(f"no unit of this estate has an owner to bill for {period}")
        run = BillingRun(
            estate_id=estate_id,
            period=period,
            currency=terms.currency,
            rates=rate_records(rates),
            shared_costs=[c.cost_id for c in costs],
            **figures,
        )
        position = self.deps.event_log.save_bulk([*changed, run], chunk_size=2000)
        return _result(run, position=position, already_run=False)

    def _vacancy_payer(
        self, estate_id: UUID, units: list[UnitFacts], period: str
    ) -> Ownership | None:
        """Who pays for the period's vacant days (空置房); a run with a vacant unit
        and no one named is refused, as billing only the owned units would
        leave the vacant units' share of the shared costs to the owners."""
        empty = sorted(str(u.unit_id) for u in units if vacant_days(u.owners, period))
        if not empty:
            return None
        payer = self.rates.vacancy_payer(estate_id)
        if payer is None or payer.person_id is None:
            shown = ", ".join(empty[:10]) + (
                f" and {len(empty) - 10} more" if len(empty) > 10 else ""
            )
            raise InvalidTransition(
                f"units {shown} have no owner for some days of {period}: name who pays for "
                f"vacant units (PUT /api/v1/finance/estates/{estate_id}/vacancy-payer) first"
            )
        return Ownership(payer.person_id, payer.user_id, period_bounds(period)[0], None)

    def _facts(self, estate_id: UUID) -> list[UnitFacts]:
        units = self.deps.registry.billing_units(estate_id)
        owners = self.deps.registry.ownerships(estate_id)
        by_unit: dict[UUID, list[Ownership]] = {}
        for unit_id, person_id, user_id, moved_in, moved_out in owners:
            by_unit.setdefault(unit_id, []).append(
                Ownership(person_id, user_id, moved_in, moved_out)
            )
        return [
            UnitFacts(unit_id, gross, internal, int(spaces), tuple(by_unit.get(unit_id, ())))
            for unit_id, gross, internal, spaces in units
        ]


def _result(run: BillingRun, *, position: int, already_run: bool) -> RunResult:
    return RunResult(
        run_id=run.id,
        estate_id=run.estate_id,
        period=run.period,
        bills=run.bills,
        units_billed=run.units_billed,
        units_skipped=run.units_skipped,
        amount=run.amount,
        currency=run.currency,
        position=position,
        already_run=already_run,
    )


def _supplement_result(
    run: BillingRun, figures: dict[str, Any], supplement_id: UUID, position: int
) -> RunResult:
    return RunResult(
        run_id=supplement_id,
        estate_id=run.estate_id,
        period=run.period,
        bills=figures["bills"],
        units_billed=figures["units_billed"],
        units_skipped=figures["units_skipped"],
        amount=figures["amount"],
        currency=run.currency,
        position=position,
        already_run=False,
        kind="supplementary",
        supplement=run.supplements,
    )
