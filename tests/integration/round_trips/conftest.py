"""The finance world of the HTTP stories: real estates, units, owners and staff."""

from tests.e2e.finance.conftest import fw

__all__ = ["fw"]
