"""Record IDs a test can predict: ``build(settings, ids=SequentialIds())``, or
``memory_deps(ids=...)`` in the unit tier."""

from __future__ import annotations

from uuid import UUID


class SequentialIds:
    """``UUID(int=start)``, ``UUID(int=start + 1)``, ... in the order records are created.

    Tests that name fixed records ``UUID(int=n)`` for small ``n`` start the
    sequence past them, so no minted ID lands on one.
    """

    def __init__(self, start: int = 1) -> None:
        self.start = start
        self.issued: list[UUID] = []

    def __call__(self) -> UUID:
        minted = UUID(int=self.start + len(self.issued))
        self.issued.append(minted)
        return minted

    def nth(self, n: int) -> UUID:
        """The ``n``-th ID the sequence mints (1-based), issued yet or not."""
        return UUID(int=self.start + n - 1)
