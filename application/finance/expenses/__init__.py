"""Expenses (R5.2): vendors, budgets, claims through approval, payment.

``commands.py`` holds the commands that carry their actor; ``handlers.py``
the service whose methods load, authorize, decide and save.
"""

from application.finance.expenses.commands import (
    ChangeVendor,
    DeactivateVendor,
    PayClaim,
    RegisterVendor,
    SetBudget,
    SubmitClaim,
    WithdrawClaim,
)
from application.finance.expenses.handlers import ExpenseRecordNotFound, ExpenseService

__all__ = [
    "ChangeVendor",
    "DeactivateVendor",
    "ExpenseRecordNotFound",
    "ExpenseService",
    "PayClaim",
    "RegisterVendor",
    "SetBudget",
    "SubmitClaim",
    "WithdrawClaim",
]
