"""The clock every test container is built with: real time until a test sets it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """The time every command records. It follows the real clock until
    :meth:`set` or :meth:`fix` stops it; :meth:`release` lets it run again."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(UTC)

    def set(self, *args: int) -> None:
        """Stop at this UTC time: ``set(2026, 1, 10)``, ``set(2026, 2, 1, 9)``."""
        self.fixed = datetime(*args, tzinfo=UTC)  # type: ignore[misc,arg-type]

    def fix(self, at: datetime) -> None:
        self.fixed = at

    def release(self) -> None:
        self.fixed = None

    def advance(self, by: timedelta) -> None:
        """Stopped or not, move on by ``by`` and stay there."""
        self.fixed = self() + by

    @property
    def now(self) -> datetime:
        return self()

    @now.setter
    def now(self, at: datetime) -> None:
        self.fixed = at
