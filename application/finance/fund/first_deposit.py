"""The first deposit (首期交存) per m²: the estate's rule, and each unit assessed once.

Fund managers of the estate (``fund:manage``) set the rule and run the
assessment; another estate's is reported missing. The assessment loads every
unit of the estate in one query and saves the new assessments in one atomic
save: a second run assesses only the units registered since. A unit whose
fund account was opened before it was ever assessed (a first deposit typed by
the clerk, before the rule) is left as it is and named in ``skipped``: its
first deposit was recorded under the old practice and keeps its meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.actor import HIDDEN, Actor
from application.finance.fund.handlers import MANAGE, FundRecordNotFound
from application.finance.ports import EstateUnits
from application.registry import lookups
from application.services import ServiceDeps, find
from domain.errors import ValidationFailed
from domain.finance.fund_first_deposit import (
    FirstDepositAssessment,
    FirstDepositRule,
    first_deposit_assessment_id,
    first_deposit_rule_id,
    rule_terms,
)
from domain.finance.fund_rules import fund_account_id
from domain.finance.money import Money
from domain.registry.places import Building
from domain.registry.unit import Unit


@dataclass(frozen=True)
class SetFirstDepositRule:
    """Fund managers of the estate record its first-deposit rule as the city publishes
    it, or a revision from a later day: ``rate`` per m² of gross area, a rate of
    their own for some buildings, the rule's reference and the day it takes effect."""

    actor: Actor
    estate_id: UUID
    rate: Money
    reference: str
    effective_on: date
    building_rates: dict[UUID, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class AssessFirstDeposits:
    """Fund managers assess every unit of the estate not yet assessed, under the rule
    in force today."""

    actor: Actor
    estate_id: UUID


@dataclass(frozen=True)
class Assessment:
    position: int | None  # None: nothing was left to assess, nothing recorded
    assessed: list[dict[str, Any]]
    skipped: list[UUID]


def _estate(deps: ServiceDeps, actor: Actor, estate_id: UUID) -> None:
    actor.check(MANAGE, None, estate_id)
    if not lookups.estate_exists(deps.event_log, estate_id):
        raise FundRecordNotFound(HIDDEN)


def set_first_deposit_rule(deps: ServiceDeps, cmd: SetFirstDepositRule) -> int:
    _estate(deps, cmd.actor, cmd.estate_id)
    terms = rule_terms(
        rate=cmd.rate.amount,
        currency=cmd.rate.currency,
        building_rates=cmd.building_rates,
        reference=cmd.reference,
        effective_on=cmd.effective_on,
    )
    strangers = [
        str(b)
        for b in cmd.building_rates
        if getattr(find(deps.event_log, b, Building), "estate_id", None) != cmd.estate_id
    ]
    if strangers:
        raise ValidationFailed(f"building_rates: not buildings of this estate: {strangers}")
    now, by = deps.clock(), cmd.actor.user_id
    rule = find(deps.event_log, first_deposit_rule_id(cmd.estate_id), FirstDepositRule)
    if rule is None:
        rule = FirstDepositRule.establish(estate_id=cmd.estate_id, terms=terms, set_by=by, at=now)
    else:
        rule.revise(terms=terms, set_by=by, at=now)
    return deps.event_log.save_and_position(rule)


def assess_first_deposits(
    deps: ServiceDeps, units: EstateUnits, cmd: AssessFirstDeposits
) -> Assessment:
    """Assess each unit of the estate not yet assessed: its gross area times the rate."""
    _estate(deps, cmd.actor, cmd.estate_id)
    rule = find(deps.event_log, first_deposit_rule_id(cmd.estate_id), FirstDepositRule)
    if rule is None:
        raise ValidationFailed("no first-deposit rule is set for this estate")
    now = deps.clock()
    terms = rule.in_force(now.date())
    unit_ids = units.in_order(cmd.estate_id)
    assessments = [first_deposit_assessment_id(u) for u in unit_ids]
    accounts = [fund_account_id(u) for u in unit_ids]
    found = deps.event_log.load_many([*unit_ids, *assessments, *accounts])
    new: list[FirstDepositAssessment] = []
    skipped: list[UUID] = []
    for unit_id, assessment_id, account_id in zip(unit_ids, assessments, accounts, strict=True):
        unit = found.get(unit_id)
        if assessment_id in found or not isinstance(unit, Unit):
            continue
        if account_id in found:
            skipped.append(unit_id)
            continue
        new.append(
            FirstDepositAssessment.assess(
                terms=terms,
                estate_id=cmd.estate_id,
                unit_id=unit_id,
                building_id=unit.building_id,
                gross_area=unit.gross_area,
                assessed_by=cmd.actor.user_id,
                at=now,
            )
        )
    position = deps.event_log.save_bulk(new) if new else None
    assessed = [
        {"unit_id": a.unit_id, "gross_area": a.gross_area, "rate": a.rate}
        | {"amount": a.amount, "currency": a.currency}
        for a in new
    ]
    return Assessment(position=position, assessed=assessed, skipped=skipped)
