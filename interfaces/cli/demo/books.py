"""What every part of the demo's books shares: the months played, the clock, acting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.actor import SYSTEM_ACTOR, Actor
from domain.finance.periods import period_bounds, shift_period
from projections.finance.accounts.queries import unit_account

if TYPE_CHECKING:
    from interfaces.cli.demo.base import LoaderBase as _Loader


def played_periods(today: date) -> list[str]:
    """The three calendar months before ``today``'s, oldest first."""
    this = f"{today.year:04d}-{today.month:02d}"
    return [shift_period(this, n) for n in (-3, -2, -1)]


def opening_period(periods: list[str]) -> str:
    """The month the books open: the December before the year of the first month played,
    so that the history holds a whole year end (decision 0024) however late in the
    year the demo is loaded."""
    return f"{int(periods[0][:4]) - 1:04d}-12"


def line(account: str, debit: str = "0", credit: str = "0") -> dict[str, Any]:
    """A manual journal's line in CNY, as the journals route takes it."""
    return {"account": account, "debit": debit, "credit": credit, "currency": "CNY"}


class BooksBase:
    """The loader, the finance services' clock, and the finance clerk acting."""

    def __init__(self, loader: _Loader) -> None:
        self.d = loader
        self.c = loader.c
        self.deps = self.c.finance.accounts.deps
        self.periods = played_periods(loader.today)
        self.opening = opening_period(self.periods)
        self.unit = loader.units
        # the opening month's bank transfers: (day, reference, amount), for its statement
        self.transfers: list[tuple[date, str, Decimal]] = []

    def actor(self, user_id: UUID) -> Actor:
        """A demo user acting as themselves: the handlers authorize them like any caller."""
        return Actor.of(self.c.identity.get(user_id), "demo")

    @property
    def finance(self) -> UUID:
        return self.d.users["hvg.finance"]

    @contextmanager
    def clerk(self, day: date, hour: int = 9) -> Iterator[Actor]:
        """The finance clerk acting at ``day``, ``hour``:00 UTC."""
        with self.on(day, hour), self.d.as_user("hvg.finance"):
            yield self.actor(self.finance)

    @contextmanager
    def on(self, day: date, hour: int = 9, minute: int = 0) -> Iterator[datetime]:
        """The services' clock at ``day``, ``hour``:``minute`` UTC while the block runs."""
        before = self.deps.clock
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        self.deps.clock = lambda: moment
        try:
            yield moment
        finally:
            self.deps.clock = before

    def outstanding(self, unit_id: UUID) -> Decimal | None:
        """What the unit owes, from the unit-accounts read model (settled after
        each run); None when it has no account."""
        with self.c.pool.connection() as conn:
            found = unit_account(conn, SYSTEM_ACTOR.reach("finance:read"), unit_id)
        if found is None or found["account"] is None:
            return None
        return found["account"]["outstanding"]

    def day(self, period: str, n: int) -> date:
        first, _ = period_bounds(period)
        return first + timedelta(days=n - 1)

    def approve(self, approval_id: UUID) -> None:
        """A second person decides what the clerk asked, once the read models caught up."""
        self.d.settle()
        self.d.decide(approval_id, self.finance)
