"""Late fees and payment reminders on overdue bills: jobs that fall due with time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.finance.ledger import is_closed
from application.finance.ports import OverdueBills
from application.finance.rates import RateService
from application.services import ServiceDeps, find
from domain.finance.account import UnitAccount, account_id_for
from domain.finance.rate_values import BillingTerms

DUNNING_DAYS = {1: 15, 2: 30, 3: 60}  # reminder level -> days past due


class Arrears:
    def __init__(self, deps: ServiceDeps, rates: RateService, overdue: OverdueBills) -> None:
        self.deps = deps
        self.rates = rates
        self.overdue = overdue

    def _overdue_units(self, before: date) -> list[tuple[UUID, UUID]]:
        return self.overdue.units_owing(before)

    def _account(self, unit_id: UUID) -> UnitAccount | None:
        return find(self.deps.event_log, account_id_for(unit_id), UnitAccount)

    def charge_late_fees(self, now: datetime) -> int:
        """Charge the late fees overdue bills accrued through yesterday (decision 0022).

        Day by day per the estate's contract terms, and only where they provide
        for a late fee. Run twice a day or daily, it charges each day once: the
        bill remembers the last day charged. Today is charged by the next run,
        or by a payment today, which charges it first.
        """
        through = now.date() - timedelta(days=1)
        charged = 0
        terms_of: dict[UUID, BillingTerms] = {}
        booked_on: dict[UUID, date] = {}
        for estate_id, unit_id in self._overdue_units(now.date()):
            terms = terms_of.setdefault(estate_id, self.rates.terms(estate_id))
            if terms.late_fee_daily_rate <= 0:
                continue  # the contract provides for no late fee
            account = self._account(unit_id)
            if account is None:
                continue
            if estate_id not in booked_on:
                booked_on[estate_id] = self._booking_day(estate_id, through, now.date())
            fees = account.charge_late_fees(
                terms, through=through, at=now, booked_on=booked_on[estate_id]
            )
            if account.pending_events:
                try:
                    self.deps.event_log.save_and_position(account)
                    charged += fees
                except IntegrityError:
                    continue  # a payment came first and charged its day: the next run the rest
        return charged

    def _booking_day(self, estate_id: UUID, through: date, today: date) -> date:
        """``through``, or today when that day's month closed before the job ran (on
        the 1st, after an early close): a closed period takes nothing more. Today is
        always open, since a period closes only after it ended."""
        return today if is_closed(self.deps.event_log, estate_id, through) else through

    def send_reminders(self, now: datetime) -> int:
        """Remind the debtors of overdue bills at 15, 30 and 60 days past due, each level once."""
        today = now.date()
        sent = 0
        first_level = min(DUNNING_DAYS.values())
        for estate_id, unit_id in self._overdue_units(today - timedelta(days=first_level)):
            account = self._account(unit_id)
            if account is None:
                continue
            users = self._users_of(estate_id, unit_id)
            for level, days in sorted(DUNNING_DAYS.items()):
                # One reminder per set of debtors, to them (decision 0021): a seller's
                # arrears are the seller's to hear of, not the unit's owner now.
                late: dict[tuple[UUID, ...], list[UUID]] = {}
                for b in account.open_bills:
                    if (today - b.due_on).days >= days:
                        late.setdefault(b.debtors, []).append(b.bill_id)
                for debtors, bill_ids in late.items():
                    recipients = sorted({u for d in debtors for u in users.get(d, ())}, key=str)
                    account.dun(level, bill_ids, recipients, now)
            if account.pending_events:
                try:
                    self.deps.event_log.save_and_position(account)
                    sent += 1
                except IntegrityError:
                    continue
        return sent

    def _users_of(self, estate_id: UUID, unit_id: UUID) -> dict[UUID, set[UUID]]:
        """The login accounts of every person who owns or owned the unit."""
        users: dict[UUID, set[UUID]] = {}
        for row in self.deps.registry.ownerships(estate_id, unit_id):
            if row.user_id is not None:
                users.setdefault(row.person_id, set()).add(row.user_id)
        return users
