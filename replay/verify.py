"""Recompute the hash chain over the whole log and name the first broken link."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import psycopg

from infrastructure.eventstore.hashchain import GENESIS, link
from infrastructure.eventstore.store import EVENTS_TABLE


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_checked: int
    head_position: int | None
    head_hash: str | None
    first_broken_position: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_chain(conninfo: str, *, batch: int = 5000) -> ChainReport:
    """Walk the log in global order, recomputing every ``chain_hash``.

    An edited row breaks its own link; a deleted row breaks the link of the row
    after it; reordered rows break at the first moved one. Gaps in positions
    alone are not tampering (a rolled-back insert leaves one), so the chain,
    not the numbering, is the evidence.
    """
    previous = GENESIS
    checked = 0
    last_position: int | None = None
    with psycopg.connect(conninfo) as conn, conn.transaction():
        cur = conn.cursor(name="verify_chain")
        cur.itersize = batch
        cur.execute(
            "SELECT notification_id, originator_id, originator_version, topic, state, chain_hash "
            f"FROM {EVENTS_TABLE} ORDER BY notification_id"
        )
        for position, originator_id, version, topic, state, stored in cur:
            expected = link(previous, position, originator_id, version, topic, bytes(state))
            if stored is None or bytes(stored) != expected:
                return ChainReport(
                    ok=False,
                    events_checked=checked,
                    head_position=last_position,
                    head_hash=previous.hex() if checked else None,
                    first_broken_position=position,
                    problem=(
                        "event has no chain hash"
                        if stored is None
                        else "hash does not match: the event, or the one before it, "
                        "was changed, removed or moved"
                    ),
                )
            previous = expected
            last_position = position
            checked += 1
    return ChainReport(
        ok=True,
        events_checked=checked,
        head_position=last_position,
        head_hash=previous.hex() if checked else None,
    )
