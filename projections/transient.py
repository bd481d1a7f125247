"""Which database errors pass by themselves, by SQLSTATE class.

A read model that meets one of these is tried again later with the same
events (nothing of the failed attempt was committed); any other error is the
event's or the code's, and stops the read model once it repeats.
"""

from __future__ import annotations

import psycopg
from eventsourcing import persistence

# 08 connection exception, 40 transaction rollback (serialization failure,
# deadlock), 53 insufficient resources (disk full, out of memory, too many
# connections), 58 system error (I/O).
TRANSIENT_CLASSES = frozenset({"08", "40", "53", "58"})
# Operator intervention that is a restart, not a cancelled statement (57014 is
# a statement timeout: that one may well be the event's), a lock timeout, and
# a server that is read-only for a moment (a failover in progress).
TRANSIENT_STATES = frozenset({"57P01", "57P02", "57P03", "55P03", "25006"})


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a database error that passes by itself."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        state = getattr(current, "sqlstate", None)
        if state:
            return state[:2] in TRANSIENT_CLASSES or state in TRANSIENT_STATES
        if isinstance(current, (psycopg.OperationalError, psycopg.InterfaceError)):
            return True  # the connection itself failed: a server that is gone sends no code
        current = current.__cause__ or current.__context__
    # The library's own wrappers, raised without a cause (its pool, its retries).
    return isinstance(exc, (persistence.OperationalError, persistence.InterfaceError))
