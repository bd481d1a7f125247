"""Bank statements: import one (each line once), match a line to a payment by hand.

The route hands :meth:`BankService.import_statement` a reader of the file's
rows, called once the caller may import for the estate; the lines are read
(``domain/finance/bank_statements.py``) and those not stored yet are saved
in one append, so a refused file stores nothing and a file imported again
stores nothing new. The bank account is the estate's operating account
(1002); reconciliation is a read model's query (``projections/finance/bank.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.actor import HIDDEN, Actor
from application.errors import NotFound
from application.registry import lookups
from application.services import ServiceDeps, find
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.accounts import BANK
from domain.finance.bank_lines import BankLine, bank_line_id
from domain.finance.bank_statements import read_statement
from domain.finance.receipts import PaymentReceipt, receipt_id_for

Rows = list[tuple[int, list[str]]]
ATTEMPTS = 5


class BankLineNotFound(NotFound):
    title = "No such bank line"


@dataclass(frozen=True)
class ImportStatement:
    """Finance staff of the estate (``finance:manage``) import a statement of its bank account."""

    actor: Actor
    estate_id: UUID
    rows: Callable[[], Rows]
    currency: str = "CNY"


@dataclass(frozen=True)
class MatchBankLine:
    """Finance staff of the estate match a credit line to a recorded bank-transfer payment."""

    actor: Actor
    line_id: UUID
    payment_id: UUID


@dataclass(frozen=True)
class Imported:
    import_id: UUID
    layout: str
    lines: int
    imported: int
    already_imported: int
    position: int


class BankService:
    def __init__(self, deps: ServiceDeps) -> None:
        self.deps = deps

    def import_statement(self, command: ImportStatement) -> Imported:
        if not lookups.estate_exists(self.deps.event_log, command.estate_id):
            raise NotFound(HIDDEN)
        command.actor.check("finance:manage", None, command.estate_id)
        statement = read_statement(command.rows())
        import_id = self.deps.ids()
        by = command.actor.user_id
        for _ in range(ATTEMPTS):
            ids = [bank_line_id(command.estate_id, BANK, line.serial) for line in statement.lines]
            stored = self.deps.event_log.load_many(ids)
            now = self.deps.clock()
            new = [
                BankLine(
                    estate_id=command.estate_id,
                    account=BANK,
                    serial=line.serial,
                    value_date=line.value_date,
                    time=line.time,
                    debit=line.debit,
                    credit=line.credit,
                    balance=line.balance,
                    currency=command.currency,
                    counterparty=line.counterparty,
                    counterparty_account=line.counterparty_account,
                    memo=line.memo,
                    layout=statement.layout,
                    row=line.row,
                    import_id=import_id,
                    imported_by=by,
                    at=now,
                )
                for line, line_id in zip(statement.lines, ids, strict=True)
                if line_id not in stored
            ]
            try:
                position = self.deps.event_log.save_and_position(*new) if new else 0
            except IntegrityError:
                continue  # another import stored some of these lines first: read again
            return Imported(
                import_id,
                statement.layout,
                len(statement.lines),
                len(new),
                len(statement.lines) - len(new),
                position or self.deps.event_log.head(),
            )
        raise InvalidTransition("the statement is being imported by someone else; try again")

    def match(self, command: MatchBankLine) -> int:
        line = find(self.deps.event_log, command.line_id, BankLine)
        if line is None:
            raise BankLineNotFound(HIDDEN)
        command.actor.check("finance:manage", None, line.estate_id)
        receipt = find(self.deps.event_log, receipt_id_for(command.payment_id), PaymentReceipt)
        if receipt is None or receipt.estate_id != line.estate_id:
            raise ValidationFailed("payment_id: no payment of this estate with a receipt")
        if receipt.method != "bank_transfer":
            raise ValidationFailed(f"payment_id: a {receipt.method} payment is not on the bank")
        now, by = self.deps.clock(), command.actor.user_id
        receipt.match_bank_line(line.id, now)
        line.match(
            payment_id=command.payment_id,
            amount=receipt.amount,
            currency=receipt.currency,
            by=by,
            at=now,
        )
        return self.deps.event_log.save_and_position(line, receipt)
