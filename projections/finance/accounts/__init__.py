"""Unit accounts' read model: tables and ``apply`` (``model.py``), queries (``queries.py``)."""

from projections.finance.accounts.model import UnitAccountsReadModel, read_models

__all__ = ["UnitAccountsReadModel", "read_models"]
