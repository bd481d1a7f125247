"""The maintenance fund: ``commands.py`` the commands that carry their actor,
``handlers.py`` the service whose methods load, authorize, decide and save."""

from application.finance.fund.commands import DisburseSpending, ProposeSpending, RecordDeposit
from application.finance.fund.handlers import (
    Disbursement,
    FundRecordNotFound,
    FundService,
    Proposed,
)

__all__ = [
    "DisburseSpending",
    "Disbursement",
    "FundRecordNotFound",
    "FundService",
    "ProposeSpending",
    "Proposed",
    "RecordDeposit",
]
