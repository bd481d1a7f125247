"""Backup files of the event log that verify on their own, and restore from them.

A backup is a gzip of JSON lines:

* a header: format, ``from_position`` and the **checkpoint** before the first
  row (position and chain hash; 32 zero bytes for a full backup);
* one line per event: position, originator, version, topic, state (base64)
  and its stored ``chain_hash``;
* the wrapped personal-data keys (useless without the master key);
* a trailer: number of events, last position and head hash.

Verifying a file recomputes the chain from its checkpoint through every row
and checks the trailer, so an edited, dropped, moved or truncated row fails.
Restore loads a full backup (and incrementals continuing its chain) into an
empty store with the chain trigger on, so the database recomputes every hash
itself; the last recomputed hash must equal the file's head hash.
"""

from __future__ import annotations

import base64
import gzip
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import psycopg
from psycopg import sql

from infrastructure.eventstore.hashchain import GENESIS, link
from infrastructure.eventstore.store import EVENTS_TABLE
from replay.progress import Progress, ignore

FORMAT = "estatelog-backup"
VERSION = 1
#: Rows between two progress reports of a backup or a restore.
PROGRESS_EVERY = 5000


class BackupInvalid(Exception):
    pass


class StoreNotEmpty(Exception):
    pass


@dataclass(frozen=True)
class BackupSummary:
    path: str
    from_position: int
    to_position: int
    events: int
    checkpoint_hash: str
    head_hash: str
    keys: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BackupReport:
    ok: bool
    path: str
    events_checked: int
    from_position: int | None
    to_position: int | None
    head_hash: str | None
    first_broken_position: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _line(obj: Any) -> bytes:
    return orjson.dumps(obj) + b"\n"


def take_backup(
    conninfo: str,
    out: Path,
    *,
    from_position: int = 0,
    to_position: int | None = None,
    with_keys: bool = True,
    progress: Progress = ignore,
) -> BackupSummary:
    """Write the events after ``from_position`` (up to ``to_position``, else all)
    to ``out`` (atomically renamed into place).

    One REPEATABLE READ snapshot covers the rows, the checkpoint and the keys,
    so a backup taken while commands run is one consistent prefix of the log.
    Without ``with_keys`` the personal-data keys stay out (an auditor's copy:
    the personal data in it is then ciphertext only).
    """
    tmp = out.with_name(out.name + ".partial")
    events, last, previous = 0, from_position, GENESIS
    with psycopg.connect(conninfo) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction():
            row = conn.execute(
                f"SELECT notification_id, chain_hash FROM {EVENTS_TABLE} "
                "WHERE notification_id <= %s ORDER BY notification_id DESC LIMIT 1",
                [from_position],
            ).fetchone()
            checkpoint = (int(row[0]), bytes(row[1])) if row else (0, GENESIS)
            previous = checkpoint[1]
            with gzip.open(tmp, "wb", compresslevel=6) as f:
                f.write(
                    _line(
                        {
                            "kind": "header",
                            "format": FORMAT,
                            "version": VERSION,
                            "from_position": from_position,
                            "checkpoint": {
                                "position": checkpoint[0],
                                "hash": checkpoint[1].hex(),
                            },
                            "created_at": datetime.now(UTC).isoformat(),
                        }
                    )
                )
                cur = conn.cursor(name="backup")
                cur.itersize = 5000
                cur.execute(
                    "SELECT notification_id, originator_id, originator_version, topic, state, "
                    f"chain_hash FROM {EVENTS_TABLE} WHERE notification_id > %s "
                    "AND notification_id <= %s ORDER BY notification_id",
                    [from_position, to_position if to_position is not None else 2**62],
                )
                for position, originator, version, topic, state, chain in cur:
                    f.write(
                        _line(
                            {
                                "kind": "event",
                                "p": position,
                                "o": str(originator),
                                "v": version,
                                "t": topic,
                                "s": base64.b64encode(bytes(state)).decode(),
                                "h": bytes(chain).hex(),
                            }
                        )
                    )
                    events, last, previous = events + 1, position, bytes(chain)
                    if events % PROGRESS_EVERY == 0:
                        progress(last, events)
                cur.close()
                progress(last, events)
                keys = (
                    conn.execute(
                        "SELECT subject_id, wrapped_key FROM personal_data_keys ORDER BY subject_id"
                    ).fetchall()
                    if with_keys
                    else []
                )
                for subject, wrapped in keys:
                    f.write(
                        _line(
                            {
                                "kind": "key",
                                "subject": str(subject),
                                "wrapped": base64.b64encode(bytes(wrapped)).decode(),
                            }
                        )
                    )
                f.write(
                    _line(
                        {
                            "kind": "end",
                            "events": events,
                            "to_position": last,
                            "head_hash": previous.hex(),
                            "keys": len(keys),
                        }
                    )
                )
    os.replace(tmp, out)
    return BackupSummary(
        path=str(out),
        from_position=from_position,
        to_position=last,
        events=events,
        checkpoint_hash=checkpoint[1].hex(),
        head_hash=previous.hex(),
        keys=len(keys),
    )


@dataclass
class _Parsed:
    header: dict[str, Any]
    trailer: dict[str, Any] | None
    keys: list[tuple[UUID, bytes]]
    attestation: dict[str, Any] | None = None


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with gzip.open(path, "rb") as f:
            for raw in f:
                yield orjson.loads(raw)
    except (OSError, EOFError, orjson.JSONDecodeError) as e:
        raise BackupInvalid(f"unreadable backup file: {e}") from None


def _rows(path: Path, parsed: _Parsed) -> Iterator[tuple[int, UUID, int, str, bytes, bytes]]:
    """The file's event rows in order; fills ``parsed`` with header, keys and trailer."""
    lines = _lines(path)
    header = next(lines, None)
    if not header or header.get("kind") != "header" or header.get("format") != FORMAT:
        raise BackupInvalid("not an estatelog backup (no header)")
    if header.get("version") != VERSION:
        raise BackupInvalid(f"backup format version {header.get('version')} is not supported")
    parsed.header = header
    for line in lines:
        if parsed.trailer is not None:
            # A signed export ends with its attestation (replay/attestation.py),
            # which verify --export checks; nothing else may follow the end.
            if line.get("kind") == "attestation" and parsed.attestation is None:
                parsed.attestation = line
                continue
            raise BackupInvalid("data after the end of the backup")
        kind = line.get("kind")
        if kind == "event":
            try:
                yield (
                    int(line["p"]),
                    UUID(line["o"]),
                    int(line["v"]),
                    str(line["t"]),
                    base64.b64decode(line["s"]),
                    bytes.fromhex(line["h"]),
                )
            except (KeyError, ValueError, TypeError) as e:
                raise BackupInvalid(f"malformed event row: {e!r}") from None
        elif kind == "key":
            parsed.keys.append((UUID(line["subject"]), base64.b64decode(line["wrapped"])))
        elif kind == "end":
            parsed.trailer = line
        else:
            raise BackupInvalid(f"unknown line kind {kind!r}")


def verify_backup(path: Path) -> BackupReport:
    """Recompute the chain through the file from its checkpoint; check its trailer."""
    parsed = _Parsed(header={}, trailer=None, keys=[])
    checked, last, previous = 0, None, b""

    def report(position: int | None, problem: str) -> BackupReport:
        return BackupReport(
            ok=False,
            path=str(path),
            events_checked=checked,
            from_position=parsed.header.get("from_position"),
            to_position=last,
            head_hash=previous.hex() if previous else None,
            first_broken_position=position,
            problem=problem,
        )

    try:
        rows = _rows(path, parsed)
        for position, originator, version, topic, state, stored in rows:
            if not previous:
                previous = bytes.fromhex(parsed.header["checkpoint"]["hash"])
                if position <= int(parsed.header["checkpoint"]["position"]):
                    return report(position, "row at or before the checkpoint")
            expected = link(previous, position, originator, version, topic, state)
            if stored != expected:
                return report(
                    position,
                    "hash does not match: the event, or the one before it, "
                    "was changed, removed or moved",
                )
            previous, last, checked = expected, position, checked + 1
    except BackupInvalid as e:
        return report(None, str(e))
    if not previous and parsed.header:
        previous = bytes.fromhex(parsed.header["checkpoint"]["hash"])
    trailer = parsed.trailer
    if trailer is None:
        return report(None, "the file is truncated (no end record)")
    if int(trailer["events"]) != checked or trailer["head_hash"] != previous.hex():
        return report(None, "the end record does not match the rows (rows added or removed)")
    if int(trailer["keys"]) != len(parsed.keys):
        return report(None, "the end record does not match the key records")
    return BackupReport(
        ok=True,
        path=str(path),
        events_checked=checked,
        from_position=int(parsed.header["from_position"]),
        to_position=last if last is not None else int(parsed.header["from_position"]),
        head_hash=previous.hex(),
    )


def restore_backups(
    conninfo: str, paths: Sequence[Path], progress: Progress = ignore
) -> tuple[int, int, str]:
    """Load a full backup and any incrementals continuing it into an empty store.

    Returns (events restored, head position, head hash). Every file is
    verified first; the chain of each must continue the one before it.
    """
    previous_head = GENESIS.hex()
    for path in paths:
        result = verify_backup(path)
        if not result.ok:
            raise BackupInvalid(
                f"{path}: {result.problem} (position {result.first_broken_position})"
            )
        parsed = _Parsed(header={}, trailer=None, keys=[])
        next(iter(_rows(path, parsed)), None)
        if parsed.header["checkpoint"]["hash"] != previous_head:
            raise BackupInvalid(
                f"{path} does not continue the chain of the file before it "
                "(a restore starts with a full backup, then incrementals in order)"
            )
        previous_head = str(result.head_hash)
    events, head, keys = 0, 0, []
    with psycopg.connect(conninfo) as conn, conn.transaction():
        conn.execute(f"LOCK TABLE {EVENTS_TABLE} IN EXCLUSIVE MODE")
        if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {EVENTS_TABLE})").fetchone() != (False,):
            raise StoreNotEmpty("the event log is not empty; restore only into an empty store")
        for path in paths:
            parsed = _Parsed(header={}, trailer=None, keys=[])
            with (
                conn.cursor() as cur,
                cur.copy(
                    f"COPY {EVENTS_TABLE} (notification_id, originator_id, originator_version, "
                    "topic, state) FROM STDIN"
                ) as copy,
            ):
                for position, originator, version, topic, state, _ in _rows(path, parsed):
                    copy.write_row((position, originator, version, topic, state))
                    events, head = events + 1, position
                    if events % PROGRESS_EVERY == 0:
                        progress(head, events)
            progress(head, events)
            keys = parsed.keys
        row = conn.execute(
            f"SELECT chain_hash FROM {EVENTS_TABLE} ORDER BY notification_id DESC LIMIT 1"
        ).fetchone()
        recomputed = bytes(row[0]).hex() if row else GENESIS.hex()
        if recomputed != previous_head:
            raise BackupInvalid("the chain recomputed by the database does not match the backup")
        if head:
            conn.execute(
                sql.SQL("SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)"),
                [EVENTS_TABLE, head],
            )
        for subject, wrapped in keys:
            conn.execute(
                "INSERT INTO personal_data_keys (subject_id, wrapped_key) VALUES (%s, %s) "
                "ON CONFLICT (subject_id) DO NOTHING",
                [subject, wrapped],
            )
    return events, head, previous_head
