"""Unit accounts: billing runs, payments, reversals, waivers, refunds, late fees, dunning.

Decisions are taken by the :class:`UnitAccount` aggregates; the handlers
(``service.py``) gather the facts they need: the estate's rates and terms
(the rates service), areas, owners and parking spaces (the registry's read
model, once it has caught up with the log), and the clock.
"""

from application.finance.accounts.billing import RunResult
from application.finance.accounts.service import AccountNotFound, AccountService, UnitNotFound

__all__ = ["AccountNotFound", "AccountService", "RunResult", "UnitNotFound"]
