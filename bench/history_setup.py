"""The long histories ``bench.history_bench`` measures against, written fast.

A unit account of 5,000 events and a user of 10,000 logins would take an
hour through the API (a login hashes a password with argon2id). Their
history is instead decided by the aggregates themselves, in this process,
with the calls the services make (``UnitAccount.issue_bill`` as a billing
run does, ``receive_payment`` as a payment does, ``User.attempt_login`` as a
login does after the password check) and saved through the service's own
``EventLog``: the stored events are the ones the application writes, only
their timestamps are in the past. What is left out is what other aggregates
those commands write beside (a billing run's ``BillingRun``, a payment's
receipt), which the measured commands never load.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from bootstrap import Container
from domain.finance.account import BillLine, UnitAccount, bill_id_for
from domain.finance.fee_items import FEE_ITEMS
from domain.identity.accounts import LockoutPolicy
from domain.identity.user import User
from domain.registry.unit import Relation, Unit

CURRENCY = "CNY"
FEE, RATE = Decimal("250.00"), Decimal("2.50")  # 100 m² at 2.50 a month
PER_MONTH = len(FEE_ITEMS)  # a bill per item: 2,500 bills in 26 years
SAVE_EVERY = 1000  # logins per save: one transaction of about 2,000 events


def months_back(today: date, count: int) -> list[str]:
    """``count`` periods, oldest first, ending with the month before ``today``'s."""
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        out.append(f"{year:04d}-{month:02d}")
    return out[::-1]


def owner_of(container: Container, unit_id: UUID) -> UUID:
    unit: Any = container.event_log.repository.get(unit_id)
    assert isinstance(unit, Unit)
    owners = unit.current(Relation.OWNER).values()
    return UUID(str(next(iter(owners))["person_id"]))


def account_with_history(
    container: Container, estate_id: UUID, unit_id: UUID, bills: int, clerk: UUID
) -> int:
    """Open the unit's account, then issue ``bills`` bills and pay each in full on
    its due day; the account's version.

    ``PER_MONTH`` bills a month (one per fee item, told apart by the
    billing run's number in the bill's id), so that 2,500 bills fit in the
    periods the domain accepts (1900 onwards) and in a plausible lifetime."""
    payer = owner_of(container, unit_id)
    months = -(-bills // PER_MONTH)
    periods = months_back(datetime.now(UTC).date(), months)
    first = date.fromisoformat(f"{periods[0]}-01")
    account = UnitAccount.open(estate_id, unit_id, CURRENCY, _at(first))
    for n in range(bills):
        period, run = periods[n // PER_MONTH], n % PER_MONTH
        starts = date.fromisoformat(f"{period}-01")
        days = calendar.monthrange(starts.year, starts.month)[1]
        bill_id = bill_id_for(unit_id, period, starts, run)
        spec = FEE_ITEMS[run]
        line = BillLine(spec.item, spec.account_name, Decimal(100), spec.line_unit, RATE, FEE)
        due = starts + timedelta(days=14)
        account.issue_bill(
            bill_id=bill_id,
            period=period,
            run_id=uuid4(),
            lines=[line],
            payer_ids=[payer],
            days=days,
            days_in_period=days,
            issued_on=starts,
            due_on=due,
            at=_at(starts),
        )
        account.receive_payment(
            payment_id=uuid4(),
            method="bank_transfer",
            amount=FEE,
            currency=CURRENCY,
            reference=f"bench-{uuid4().hex}",
            bill_id=bill_id,
            recorded_by=clerk,
            on=due,
            at=_at(due),
            payer_id=payer,
        )
    container.event_log.save(account)
    return int(account.version)


def logins(container: Container, user_id: UUID, count: int) -> int:
    """``count`` successful logins of the user, an hour apart and ending now, saved
    ``SAVE_EVERY`` at a time (beyond 20 sessions each ends the oldest); its version."""
    user: Any = container.event_log.repository.get(user_id)
    assert isinstance(user, User)
    policy = LockoutPolicy()
    now = datetime.now(UTC)
    for i in range(count):
        at = now - timedelta(hours=count - i)
        user.attempt_login(
            password_ok=True,
            at=at,
            client_ip="192.0.2.15",
            user_agent="bench",
            session_id=uuid4().hex,
            refresh_expires_at=at + timedelta(days=14),
            policy=policy,
        )
        if (i + 1) % SAVE_EVERY == 0:
            container.event_log.save(user)
    container.event_log.save(user)
    return int(user.version)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=UTC)
