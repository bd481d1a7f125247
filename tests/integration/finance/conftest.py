"""The finance world of the HTTP stories, for tests that measure the store under it."""

from tests.e2e.finance.conftest import fw

__all__ = ["fw"]
