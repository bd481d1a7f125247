"""Backup, restore and rebuild as operators run them: each one audited in the log."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import redis
from psycopg_pool import ConnectionPool

from application.context import SYSTEM, ContextBox, acting
from application.ports import Ids
from domain.operations.records import BackupTaken, RestoreCompleted
from infrastructure.crypto.vault import PersonalDataVault
from infrastructure.eventstore.store import EventLog
from infrastructure.user_versions import forget_all
from projections.runtime import Projector
from replay.backup import BackupSummary, restore_backups, take_backup
from replay.numbers import renumber
from replay.progress import Progress, ignore
from replay.readmodels import replayable, select
from replay.rebuild import RebuildReport, rebuild


class Container(Protocol):
    """The parts of a built service these operations use (``bootstrap.Container``
    has them): replay sits below the composition root and never imports it."""

    @property
    def database_url(self) -> str: ...
    @property
    def event_log(self) -> EventLog: ...
    @property
    def pool(self) -> ConnectionPool: ...
    @property
    def projector(self) -> Projector: ...
    @property
    def vault(self) -> PersonalDataVault: ...
    @property
    def redis(self) -> redis.Redis: ...
    @property
    def ids(self) -> Ids: ...


def _operator(action: str) -> AbstractContextManager[ContextBox]:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return acting(replace(SYSTEM, actor_role="operator", user_agent=f"estatelog {action} ({who})"))


def backup(
    container: Container, out: Path, from_position: int = 0, progress: Progress = ignore
) -> tuple[BackupSummary, int]:
    """Write a backup file and record a ``BackupTaken`` event; (summary, its position)."""
    summary = take_backup(
        container.database_url, out, from_position=from_position, progress=progress
    )
    with _operator("backup"):
        position = container.event_log.save_and_position(
            BackupTaken(
                id=container.ids(),
                file_name=out.name,
                from_position=summary.from_position,
                to_position=summary.to_position,
                events=summary.events,
                head_hash=summary.head_hash if summary.events else None,
                at=datetime.now(UTC),
            )
        )
    return summary, position


def rebuild_all(
    container: Container, names: Sequence[str] | None = None, progress: Progress = ignore
) -> RebuildReport:
    """Blue/green rebuild of the named read models (every replayable one for None)."""
    projections = select(container.projector.projections, names)
    return rebuild(
        container.event_log,
        container.pool,
        container.database_url,
        projections,
        progress=progress,
    )


def restore(
    container: Container,
    files: Sequence[Path],
    progress: Progress = ignore,
    rebuilding: Progress = ignore,
) -> tuple[int, int, RebuildReport]:
    """Load backups into an empty store, rebuild every read model, record the restore.

    Side-effect followers (the alert outbox) start at the restored head, so
    no old alert is sent again. Keys of people erased since the backup was
    taken are deleted before any read model is built (the erasure register).
    The users' versions in Redis are forgotten.
    Returns (events, head position, rebuild report). ``progress`` hears of
    the events loaded, ``rebuilding`` of the read models' rebuild after.
    """
    events, head, head_hash = restore_backups(container.database_url, files, progress)
    # A backup holds events only: the numbers follow from them (decision 0041).
    renumber(container.event_log)
    container.vault.forget_erased()
    # Every process must read its callers from the restored log (decision 0035).
    forget_all(container.redis)
    with container.pool.connection() as conn:
        for projection in container.projector.projections:
            if projection not in replayable(container.projector.projections):
                conn.execute(
                    "INSERT INTO projection_positions (name, position) VALUES (%s, %s) "
                    "ON CONFLICT (name) DO UPDATE SET position = excluded.position, "
                    "failed_position = NULL, error = NULL, updated_at = now()",
                    [projection.name, head],
                )
        conn.commit()
    report = rebuild_all(container, progress=rebuilding)
    with _operator("restore"):
        container.event_log.save_and_position(
            RestoreCompleted(
                id=container.ids(),
                files=[f.name for f in files],
                events=events,
                head_position=head,
                head_hash=head_hash if events else None,
                at=datetime.now(UTC),
            )
        )
    return events, head, report
