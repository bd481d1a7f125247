"""Compliance runs and findings on the in-memory log, with the checks faked at
their port: who may run over which estates, and who rectifies and closes."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid4

import pytest

from application.actor import Actor
from application.errors import Forbidden, NotFound
from application.finance.compliance import (
    CloseFinding,
    ComplianceService,
    RectifyFinding,
    ReviewRun,
    RunChecks,
)
from application.finance.compliance.scope import CheckResult, Scope
from domain.errors import InvalidTransition
from domain.finance.compliance import CHECK_NAMES
from domain.identity.policy import Role
from tests.support.memory import memory_deps
from tests.unit.finance.actors import actor


class OneUnmatchedPayment:
    """Every check passes but ``payments_matched``, which finds one payment of
    the scope's (first) estate."""

    def __init__(self) -> None:
        self.scopes: list[Scope] = []

    def run(self, scope: Scope) -> list[CheckResult]:
        self.scopes.append(scope)
        results = [CheckResult(name, summary="fine") for name in CHECK_NAMES]
        estate = scope.estate_ids[0] if scope.estate_ids else None
        results[CHECK_NAMES.index("payments_matched")].add(
            "payment P does not match its bills", subject="payment P", estate_id=estate
        )
        return results


class NoStatements:
    def first_entry_day(self, estate_id: UUID) -> date | None:
        return None

    def period_digest(self, estate_id: UUID, period: str, through_position: int) -> str:
        return ""

    def position_at(self, moment: datetime) -> int:
        return 0


class World:
    def __init__(self) -> None:
        self.checks = OneUnmatchedPayment()
        self.service = ComplianceService(memory_deps(), NoStatements(), self.checks)
        self.estate_id = uuid4()
        self.auditor = actor(Role.AUDITOR)
        self.finance = actor(Role.FINANCE, self.estate_id)
        self.stranger = actor(Role.FINANCE, uuid4())

    def run(self, who: Actor | None, estate_id: UUID | None) -> ReviewRun:
        return self.service.run(
            RunChecks(who, estate_id, date(2026, 1, 1), date(2026, 1, 31), as_of_position=0)
        )

    def finding(self, done: ReviewRun) -> UUID:
        return next(iter(done.review.findings))


@pytest.fixture
def world() -> World:
    return World()


def test_a_run_records_its_checks_and_findings(world: World) -> None:
    done = world.run(world.finance, world.estate_id)
    assert not done.review.passed
    assert [c["name"] for c in done.review.checks] == list(CHECK_NAMES)
    assert world.checks.scopes[0].estate_ids == [world.estate_id]
    assert done.review.run_by == world.finance.user_id


def test_every_estate_at_once_is_for_auditors(world: World) -> None:
    with pytest.raises(Forbidden, match="compliance:run:any"):
        world.run(world.finance, None)
    assert world.run(world.auditor, None).review.estate_id is None


def test_another_estates_staff_cannot_run_its_checks(world: World) -> None:
    with pytest.raises(NotFound):
        world.run(world.stranger, world.estate_id)
    assert world.checks.scopes == []


def test_the_operator_runs_any_scope_as_the_user_named(world: World) -> None:
    named = uuid4()
    done = world.service.run(
        RunChecks(None, None, date(2026, 1, 1), date(2026, 1, 31), recorded_as=named)
    )
    assert done.review.run_by == named


def test_the_estate_rectifies_and_another_person_closes(world: World) -> None:
    done = world.run(world.auditor, world.estate_id)
    finding = world.finding(done)
    with pytest.raises(NotFound):
        world.service.rectify(RectifyFinding(world.stranger, done.review.id, finding, "x"))
    world.service.rectify(RectifyFinding(world.finance, done.review.id, finding, "booked"))
    with pytest.raises(NotFound):
        world.service.close_finding(CloseFinding(world.stranger, done.review.id, finding, "ok"))
    world.service.close_finding(CloseFinding(world.auditor, done.review.id, finding, "ok"))
    closed = world.service.review(done.review.id).findings[finding]
    assert str(closed["status"]) == "closed"


def test_who_rectified_does_not_close(world: World) -> None:
    done = world.run(world.finance, world.estate_id)
    finding = world.finding(done)
    world.service.rectify(RectifyFinding(world.finance, done.review.id, finding, "booked"))
    with pytest.raises(InvalidTransition):
        world.service.close_finding(CloseFinding(world.finance, done.review.id, finding, "ok"))


def test_an_unknown_review_or_finding_is_missing(world: World) -> None:
    done = world.run(world.finance, world.estate_id)
    with pytest.raises(NotFound):
        world.service.rectify(RectifyFinding(world.finance, uuid4(), uuid4(), "x"))
    with pytest.raises(NotFound):
        world.service.rectify(RectifyFinding(world.finance, done.review.id, uuid4(), "x"))
