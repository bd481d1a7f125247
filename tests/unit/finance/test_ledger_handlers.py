"""The books' handlers on the in-memory log: manual journals, reversals and
period close are for the estate's ``ledger:close`` holders; a closed period
takes nothing more."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.actor import Actor
from application.approvals.commands import Approve, Reject
from application.approvals.service import ApprovalService
from application.errors import NotFound
from application.finance.ledger import LedgerBehind, LedgerService
from application.finance.ledger_commands import ClosePeriod, PostJournal, ReverseJournal
from domain.approvals.approval import ApprovalStatus
from domain.errors import InvalidTransition, NotEntitled, ValidationFailed
from domain.finance.accounts import CHART
from domain.finance.books import Books, ControlAccountLine, books_id, check_lines
from domain.finance.year_end import YearEnd, year_end_id
from domain.identity.policy import Role
from domain.registry.places import Estate
from tests.support.actors import registered
from tests.support.memory import MemoryEventLog, memory_deps
from tests.unit.finance.actors import actor, journal_by_two

INTEREST = [
    {"account": "1002", "debit": Decimal("10.00"), "credit": Decimal(0), "currency": "CNY"},
    {"account": "6051", "debit": Decimal(0), "credit": Decimal("10.00"), "currency": "CNY"},
]


class FixedStatements:
    """The ledger read model's answers, as a test sets them."""

    def __init__(self) -> None:
        self.first_entry: date | None = None
        self.digest = "d" * 64

    def first_entry_day(self, estate_id: UUID) -> date | None:
        return self.first_entry

    def period_digest(self, estate_id: UUID, period: str, through_position: int) -> str:
        return self.digest

    def position_at(self, moment: datetime) -> int:
        return 0

    def balances(self, estate_id: UUID, on: date, through_position: int) -> dict[Any, Decimal]:
        return {("6051", "CNY"): Decimal("-10.00")}  # the interest journal's revenue


class Behind:
    def wait(self, read_model: str, position: int, timeout: float) -> bool:
        return False


class World:
    def __init__(self) -> None:
        self.deps = memory_deps()  # 2026-01-01 08:00 UTC
        self.log = self.deps.event_log
        assert isinstance(self.log, MemoryEventLog)
        self.statements = FixedStatements()
        self.ledger = LedgerService(self.deps, self.statements, ApprovalService(self.deps))
        estate = Estate.register("HVG", "Harbour View Gardens", "1 Harbour Road")
        self.log.save_and_position(estate)
        self.estate_id = estate.id
        self.finance = actor(Role.FINANCE, self.estate_id)
        self.stranger = actor(Role.FINANCE, uuid4())

    def ask(self, who: Actor, booked_on: date = date(2025, 12, 31)) -> tuple[UUID, UUID, int]:
        return self.ledger.post_manual(
            PostJournal(who, self.estate_id, booked_on, "bank interest", INTEREST)
        )

    def post(self, who: Actor, booked_on: date = date(2025, 12, 31)) -> UUID:
        """A journal ``who`` asked, posted by a second person's approval."""
        return journal_by_two(self.ledger, self.log, self.ask(who, booked_on))

    def ask_close(self, who: Actor, period: str = "2025-12") -> UUID:
        """The approval a close asked by ``who`` opened (nothing closed yet)."""
        approval_id, _ = self.ledger.close_period(ClosePeriod(who, self.estate_id, period))
        return approval_id

    def close(self, who: Actor, period: str = "2025-12") -> int:
        """A close ``who`` asked, approved by a second person (maker-checker)."""
        approval_id = self.ask_close(who, period)
        checker = registered(self.log, f"checker-{uuid4().hex[:8]}", Role.ADMIN)
        return self.ledger.approvals.decide(Approve(checker, approval_id))

    def books(self) -> Books:
        books = self.log.repository.get(books_id(self.estate_id))
        assert isinstance(books, Books)
        return books


@pytest.fixture
def world() -> World:
    return World()


def test_finance_staff_post_a_manual_journal(world: World) -> None:
    journal_id = world.post(world.finance)
    assert world.ledger.journal(journal_id).estate_id == world.estate_id


def test_another_estate_and_a_property_manager_cannot_post(world: World) -> None:
    for who in (world.stranger, actor(Role.PROPERTY_MANAGER, world.estate_id)):
        with pytest.raises(NotFound):
            world.post(who)


def test_a_journal_in_the_future_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed):
        world.post(world.finance, booked_on=date(2026, 1, 2))


def test_a_reversal_is_for_the_journals_estate_only(world: World) -> None:
    journal_id = world.post(world.finance)
    with pytest.raises(NotFound):
        world.ledger.reverse_manual(ReverseJournal(world.stranger, journal_id, "typo"))
    asked = world.ledger.reverse_manual(ReverseJournal(world.finance, journal_id, "typo"))
    reversal_id = journal_by_two(world.ledger, world.log, asked)
    assert world.ledger.journal(reversal_id).estate_id == world.estate_id


def test_a_journal_asked_is_not_posted_until_a_second_person_approves(world: World) -> None:
    maker = registered(world.log, "maker", Role.FINANCE, world.estate_id)
    journal_id, approval_id, _ = world.ask(maker)
    with pytest.raises(NotFound):
        world.ledger.journal(journal_id)
    with pytest.raises(NotEntitled):
        world.ledger.approvals.decide(Approve(maker, approval_id))
    journal_by_two(world.ledger, world.log, (journal_id, approval_id, 0))
    assert world.ledger.journal(journal_id).posted_by == maker.user_id


def test_a_period_closed_before_the_checker_approves_refuses_the_approval(world: World) -> None:
    world.statements.first_entry = date(2025, 12, 31)
    asked = world.ask(world.finance)
    world.close(world.finance)
    with pytest.raises(InvalidTransition):
        journal_by_two(world.ledger, world.log, asked)
    with pytest.raises(NotFound):
        world.ledger.journal(asked[0])
    assert world.ledger.approvals.get(asked[1]).status is ApprovalStatus.PENDING


def test_closing_records_the_digest_and_freezes_the_period(world: World) -> None:
    world.statements.first_entry = date(2025, 12, 31)
    world.post(world.finance)
    world.close(world.finance)
    books = world.log.repository.get(books_id(world.estate_id))
    assert isinstance(books, Books)
    assert books.closed["2025-12"]["digest"] == world.statements.digest
    assert world.ledger.is_closed(world.estate_id, date(2025, 12, 31))
    with pytest.raises(InvalidTransition):
        world.post(world.finance)
    with pytest.raises(InvalidTransition):
        world.close(world.finance)


def test_a_period_not_yet_ended_stays_open(world: World) -> None:
    with pytest.raises(InvalidTransition):
        world.close(world.finance, "2026-01")


def test_another_estate_cannot_close_or_read_the_periods(world: World) -> None:
    with pytest.raises(NotFound):
        world.close(world.stranger)
    with pytest.raises(NotFound):
        world.ledger.closed_periods(world.stranger, world.estate_id)
    assert world.ledger.closed_periods(world.finance, world.estate_id) == []


def test_closing_waits_for_the_ledger_read_model(world: World) -> None:
    world.deps.progress = Behind()
    with pytest.raises(LedgerBehind):
        world.close(world.finance)


@pytest.mark.parametrize("code", sorted(c for c, a in CHART.items() if a.sub_ledger is not None))
def test_no_line_of_a_manual_journal_lands_on_a_control_account(code: str) -> None:
    sub_ledger = CHART[code].sub_ledger
    assert sub_ledger is not None
    lines = [dict(line) for line in INTEREST]
    lines[1]["account"] = code  # the control account on the second line, after a good one
    with pytest.raises(ControlAccountLine, match=f"lines\\[1\\]: {code} ") as refused:
        check_lines(lines)
    assert (refused.value.account, refused.value.sub_ledger) == (code, sub_ledger)
    assert sub_ledger.name in refused.value.detail


def test_a_close_waits_for_a_second_person_and_the_maker_never_checks(world: World) -> None:
    world.statements.first_entry = date(2025, 12, 31)
    maker = registered(world.log, "maker", Role.FINANCE, world.estate_id)
    approval_id = world.ask_close(maker)
    assert not world.ledger.is_closed(world.estate_id, date(2025, 12, 31))
    assert world.books().pending_closes[approval_id]["period"] == "2025-12"
    with pytest.raises(InvalidTransition):  # one request per period at a time
        world.ask_close(world.finance)
    with pytest.raises(NotEntitled):
        world.ledger.approvals.decide(Approve(maker, approval_id))
    checker = registered(world.log, "checker", Role.FINANCE, world.estate_id)
    world.ledger.approvals.decide(Approve(checker, approval_id))
    books = world.books()
    assert books.closed["2025-12"]["closed_by"] == maker.user_id
    assert books.pending_closes == {}


def test_a_close_whose_period_moved_since_it_was_asked_is_refused_at_approval(
    world: World,
) -> None:
    world.statements.first_entry = date(2025, 12, 31)
    approval_id = world.ask_close(world.finance)
    world.statements.digest = "e" * 64  # a journal was booked in December meanwhile
    checker = registered(world.log, "checker", Role.ADMIN)
    head = world.log.head()
    with pytest.raises(InvalidTransition, match="changed since the close was asked"):
        world.ledger.approvals.decide(Approve(checker, approval_id))
    assert world.log.head() == head
    assert not world.ledger.is_closed(world.estate_id, date(2025, 12, 31))
    world.ledger.approvals.decide(Reject(checker, approval_id, "books moved"))
    assert world.books().pending_closes == {}
    declined = world.log.domain_events(books_id(world.estate_id))[-1]
    assert type(declined).__name__ == "CloseDeclined"
    world.close(world.finance)  # asked again, on the books as they are now
    assert world.books().closed["2025-12"]["digest"] == "e" * 64


def test_closing_december_closes_the_year_into_retained_earnings(world: World) -> None:
    world.statements.first_entry = date(2025, 12, 31)
    world.post(world.finance)
    world.close(world.finance, "2025-12")
    year_end = world.log.repository.get(year_end_id(world.estate_id, 2025))
    assert isinstance(year_end, YearEnd)
    assert [(x["account"], x["debit"], x["credit"]) for x in year_end.lines] == [
        ("6051", Decimal("10.00"), 0),
        ("4103", 0, Decimal("10.00")),
        ("4103", Decimal("10.00"), 0),
        ("4104", 0, Decimal("10.00")),
    ]
