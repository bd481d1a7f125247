"""How many examples a property test runs: all of them, or a tenth for `make unit`.

`make test` runs every property at its full count. `make unit` is the check
made while working, meant to take seconds: it sets
``ESTATELOG_TEST_EXAMPLES=quick`` and each property runs a tenth of its
examples (at least 10); a random walk that breaks a rule usually breaks it in
its first few dozen sequences, and the full count still runs before a merge.
"""

from __future__ import annotations

import os

QUICK = os.environ.get("ESTATELOG_TEST_EXAMPLES") == "quick"


def examples(full: int) -> int:
    """``full``, or a tenth of it (at least 10) in a quick run."""
    return max(10, full // 10) if QUICK else full
