"""Recompute the hash chain of the log and name the first broken link.

A full check walks the whole log from the genesis hash; an incremental one
starts from the last verified checkpoint, so its cost is that of the events
appended since (decision 0031). Both leave the checkpoint at the head they
verified, and never move it back or over an unverified event.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import psycopg

from application.operations.recorder import IncidentRecorder
from domain.operations.incidents import Level, Source
from infrastructure.eventstore.hashchain import GENESIS, link
from infrastructure.eventstore.store import EVENTS_TABLE

CHECKPOINT_TABLE = "integrity_checkpoint"

#: One row: the last position whose chain hash a check recomputed, and that hash.
CHECKPOINT_DDL = (
    f"""CREATE TABLE IF NOT EXISTS {CHECKPOINT_TABLE} (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        position bigint NOT NULL,
        chain_hash bytea NOT NULL,
        verified_at timestamptz NOT NULL
    )""",
)

_SELECT = (
    "SELECT notification_id, originator_id, originator_version, topic, state, chain_hash "
    f"FROM {EVENTS_TABLE} WHERE notification_id > %s ORDER BY notification_id"
)

# Monotonic: of two checks that finish together, the one that verified
# further wins, and either one's pair is a true point of the chain.
_ADVANCE = (
    f"INSERT INTO {CHECKPOINT_TABLE} (position, chain_hash, verified_at) VALUES (%s, %s, now()) "
    "ON CONFLICT (id) DO UPDATE SET position = EXCLUDED.position, "
    "chain_hash = EXCLUDED.chain_hash, verified_at = EXCLUDED.verified_at "
    f"WHERE {CHECKPOINT_TABLE}.position < EXCLUDED.position"
)


_NO_HASH = "event has no chain hash"
_CHANGED = "hash does not match: the event, or the one before it, was changed, removed or moved"
_MOVED = "the verified checkpoint does not match the chain at its position"


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_checked: int
    head_position: int | None
    head_hash: str | None
    first_broken_position: int | None = None
    problem: str | None = None
    #: The position the walk started after: 0 from the genesis, else the checkpoint.
    verified_from: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Checkpoint:
    position: int
    chain_hash: bytes


def verify_chain(conninfo: str, *, batch: int = 5000) -> ChainReport:
    """Walk the whole log in global order, recomputing every ``chain_hash``.

    An edited row breaks its own link; a deleted row breaks the link of the row
    after it; reordered rows break at the first moved one. Gaps in positions
    alone are not tampering (a rolled-back insert leaves one), so the chain,
    not the numbering, is the evidence. The stored checkpoint is checked on
    the way past: its hash must be the one recomputed at its position.
    """
    with psycopg.connect(conninfo) as conn:
        checkpoint = _checkpoint(conn)
        report = _walk(conn, Checkpoint(0, GENESIS), batch, expect=checkpoint)
        _advance(conn, report)
    return report


def verify_new_events(conninfo: str, *, batch: int = 5000) -> ChainReport:
    """Recompute the chain only after the last verified checkpoint.

    The checkpoint must still match the log (its row is there with the same
    hash) before the walk continues from it; tampering before it is what
    :func:`verify_chain` finds. With no checkpoint yet this is a full check.
    """
    with psycopg.connect(conninfo) as conn:
        start = _checkpoint(conn)
        if start is None:
            report = _walk(conn, Checkpoint(0, GENESIS), batch, expect=None)
        else:
            report = _still_in_the_log(conn, start) or _walk(conn, start, batch, expect=None)
        _advance(conn, report)
    return report


def check_chain(conninfo: str, incidents: IncidentRecorder, *, full: bool = False) -> ChainReport:
    """:func:`verify_chain` (``full``) or :func:`verify_new_events`; a broken
    chain is a level-1 incident (the log is no longer evidence), wherever the
    check ran: over HTTP, from the CLI, in a compliance run."""
    report = (verify_chain if full else verify_new_events)(conninfo)
    if not report.ok:
        incidents.record(
            Level.SYSTEM_CRASH,
            Source.INTEGRITY,
            "hash_chain_broken",
            "event_log",
            f"the hash chain breaks at position {report.first_broken_position}: {report.problem}",
        )
    return report


def _checkpoint(conn: psycopg.Connection[Any]) -> Checkpoint | None:
    row = conn.execute(f"SELECT position, chain_hash FROM {CHECKPOINT_TABLE}").fetchone()
    conn.commit()
    return None if row is None else Checkpoint(row[0], bytes(row[1]))


def _still_in_the_log(conn: psycopg.Connection[Any], start: Checkpoint) -> ChainReport | None:
    """A broken report if the checkpoint's row is gone or carries another hash."""
    row = conn.execute(
        f"SELECT chain_hash FROM {EVENTS_TABLE} WHERE notification_id = %s", [start.position]
    ).fetchone()
    conn.commit()
    if row is not None and row[0] is not None and bytes(row[0]) == start.chain_hash:
        return None
    return ChainReport(
        ok=False,
        events_checked=0,
        head_position=None,
        head_hash=None,
        first_broken_position=start.position,
        problem="the verified checkpoint no longer matches the log: "
        "its event was changed or removed (run a full re-verify)",
        verified_from=start.position,
    )


def _walk(
    conn: psycopg.Connection[Any], start: Checkpoint, batch: int, *, expect: Checkpoint | None
) -> ChainReport:
    """Recompute each link after ``start``; ``expect`` is a checkpoint to meet on the way."""
    previous = start.chain_hash
    checked = 0
    last_position: int | None = start.position or None
    with conn.transaction():
        # Before ANALYZE has seen a grown log the planner expects every row
        # past the checkpoint, and JIT-compiles the scan: 20-90 ms of a check
        # that reads a thousand rows. A walk in index order has nothing to gain.
        conn.execute("SET LOCAL jit = off")
        cur = conn.cursor(name="verify_chain")
        cur.itersize = batch
        cur.execute(_SELECT, [start.position])
        for position, originator_id, version, topic, state, stored in cur:
            if expect is not None and position > expect.position:
                if (last_position, previous) != (expect.position, expect.chain_hash):
                    return _broken(start, checked, last_position, previous, expect.position, _MOVED)
                expect = None
            expected = link(previous, position, originator_id, version, topic, bytes(state))
            if stored is None or bytes(stored) != expected:
                problem = _NO_HASH if stored is None else _CHANGED
                return _broken(start, checked, last_position, previous, position, problem)
            previous = expected
            last_position = position
            checked += 1
    if expect is not None and (last_position, previous) != (expect.position, expect.chain_hash):
        return _broken(start, checked, last_position, previous, expect.position, _MOVED)
    return ChainReport(
        ok=True,
        events_checked=checked,
        head_position=last_position,
        head_hash=previous.hex() if last_position is not None else None,
        verified_from=start.position,
    )


def _broken(
    start: Checkpoint,
    checked: int,
    last_position: int | None,
    previous: bytes,
    position: int,
    problem: str,
) -> ChainReport:
    return ChainReport(
        ok=False,
        events_checked=checked,
        head_position=last_position,
        head_hash=previous.hex() if last_position is not None else None,
        first_broken_position=position,
        problem=problem,
        verified_from=start.position,
    )


def _advance(conn: psycopg.Connection[Any], report: ChainReport) -> None:
    """Move the checkpoint to the head a successful check reached; never back."""
    if report.ok and report.head_position is not None and report.head_hash is not None:
        with conn.transaction():
            conn.execute(_ADVANCE, [report.head_position, bytes.fromhex(report.head_hash)])
