"""The two-estate world of the API tests (``tests/e2e/api/conftest.py``), for
tests that read its read models directly."""

from tests.e2e.api.conftest import estate_worlds, settings, world

__all__ = ["estate_worlds", "settings", "world"]
