"""Backups verify on their own; a restore into a wiped store gives back every read model."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import psycopg
import pytest

from application.actor import SYSTEM_ACTOR
from application.identity.commands import ErasePersonalData
from bootstrap import Container, build
from infrastructure.settings import Settings
from infrastructure.user_versions import PREFIX as USER_VERSIONS
from projections.events import kind_of
from replay.backup import BackupInvalid, StoreNotEmpty, restore_backups, verify_backup
from replay.operations import backup, restore
from tests.conftest import drop_schema
from tests.integration.replay.readmodel_rows import populate, read_models
from tests.support.world import world

ROOT = Path(__file__).resolve().parents[3]


def _events_of(container: Container, after: int) -> list[tuple[str, str]]:
    mapper = container.event_log.mapper_with_metadata
    return [kind_of(mapper.decode(n)[0]) for n in container.event_log.read(after=after, limit=50)]


def _rewrite(source: Path, target: Path, change: Callable[[list[dict[str, object]]], None]) -> None:
    lines = [orjson.loads(line) for line in gzip.decompress(source.read_bytes()).splitlines()]
    change(lines)
    with gzip.open(target, "wb") as f:
        f.writelines(orjson.dumps(line) + b"\n" for line in lines)


def test_backup_wipe_restore_gives_back_every_read_model_row_for_row(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    head = populate(container)
    container.projector.catch_up()
    before = read_models(container)
    file = tmp_path / "full.backup"

    summary, recorded = backup(container, file)

    assert summary.events == head and summary.to_position == head
    assert recorded == head + 1 and _events_of(container, head) == [("BackupTaken", "Recorded")]
    assert verify_backup(file).ok
    container.close()

    drop_schema(container.database_url)  # the whole schema is gone
    fresh = build(settings)
    try:
        events, restored_head, report = restore(fresh, [file])
        assert (events, restored_head) == (head, head)
        assert sorted(report.projections) == sorted(
            p.name for p in fresh.projector.projections if not getattr(p, "has_side_effects", False)
        )
        assert {"audit_trail", "login_history", "user_directory"} <= set(report.projections)
        assert read_models(fresh) == before  # masks too: the wrapped keys came back
        assert _events_of(fresh, head) == [("RestoreCompleted", "Recorded")]
        # The restored chain is the original one, and the log goes on from it.
        from replay.verify import verify_chain

        chain = verify_chain(fresh.database_url)
        assert chain.ok and chain.events_checked == head + 1
        populate(fresh, prefix="after", users=1)
        assert verify_chain(fresh.database_url).ok
    finally:
        fresh.close()


def test_a_restore_of_a_backup_taken_before_an_erasure_does_not_bring_the_key_back(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    from domain.identity.policy import Role

    erased_id, _ = world(container, "a-long-enough-secret").account(
        "forget.me", Role.OWNER, display_name="Forget Me", phone="+86 138 0013 8000"
    )
    kept_id, _ = world(container, "a-long-enough-secret").account(
        "keep.me", Role.OWNER, display_name="Keep Me", phone="+86 139 0013 9000"
    )
    file = tmp_path / "before-erasure.backup"
    backup(container, file)
    container.identity.admin.erase_personal_data(
        ErasePersonalData(SYSTEM_ACTOR, erased_id, reason="asked to be forgotten")
    )
    register = (settings.secrets_dir / "erased-keys").read_text()
    assert str(erased_id) not in register and str(erased_id.hex) not in register
    container.close()

    drop_schema(container.database_url)
    fresh = build(settings)
    try:
        restore(fresh, [file])
        assert not fresh.vault.has_key(erased_id)
        assert fresh.vault.has_key(kept_id)
        with fresh.pool.connection() as conn:
            phones = dict(
                conn.execute("SELECT username, phone_masked FROM user_directory").fetchall()
            )
        assert phones["forget.me"] is None
        assert phones["keep.me"] == "+86**********9000"
    finally:
        fresh.close()


def test_a_restore_refuses_a_store_that_is_not_empty(container: Container, tmp_path: Path) -> None:
    populate(container, users=1)
    file = tmp_path / "b.backup"
    backup(container, file)
    head = container.event_log.head()
    with pytest.raises(StoreNotEmpty):
        restore_backups(container.database_url, [file])
    assert container.event_log.head() == head


def test_an_incremental_backup_continues_the_chain_and_restores_after_the_full_one(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    populate(container, prefix="first", users=1)
    full, _ = backup(container, tmp_path / "full.backup")
    populate(container, prefix="second", users=1)
    incremental, _ = backup(container, tmp_path / "incr.backup", from_position=full.to_position)
    assert incremental.checkpoint_hash == full.head_hash
    assert incremental.events == container.event_log.head() - 1 - full.to_position
    report = verify_backup(tmp_path / "incr.backup")
    assert report.ok and report.from_position == full.to_position
    container.close()

    drop_schema(container.database_url)
    fresh = build(settings)
    try:
        with pytest.raises(BackupInvalid, match="continue the chain"):
            restore_backups(fresh.database_url, [tmp_path / "incr.backup"])
        assert fresh.event_log.head() == 0
        events, head, _ = restore(fresh, [tmp_path / "full.backup", tmp_path / "incr.backup"])
        assert head == incremental.to_position and events == full.events + incremental.events
    finally:
        fresh.close()


def test_a_tampered_backup_names_the_first_broken_position(
    container: Container, tmp_path: Path
) -> None:
    populate(container, users=2)
    file = tmp_path / "good.backup"
    backup(container, file)

    def edit_state(lines: list[dict[str, object]]) -> None:
        row = lines[3]
        state = orjson.loads(base64.b64decode(str(row["s"])))
        state["display_name"] = "Mallory"
        row["s"] = base64.b64encode(orjson.dumps(state)).decode()

    def drop_row(lines: list[dict[str, object]]) -> None:
        del lines[5]

    def cut_the_end(lines: list[dict[str, object]]) -> None:
        del lines[-1]

    edited, dropped, truncated = (tmp_path / n for n in ("edited", "dropped", "truncated"))
    _rewrite(file, edited, edit_state)
    _rewrite(file, dropped, drop_row)
    _rewrite(file, truncated, cut_the_end)

    assert verify_backup(edited).first_broken_position == 3
    assert verify_backup(dropped).first_broken_position == 6
    cut = verify_backup(truncated)
    assert not cut.ok and "truncated" in str(cut.problem)
    with pytest.raises(BackupInvalid):
        restore_backups(container.database_url, [edited])
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"not a backup at all")
    assert not verify_backup(garbage).ok


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESTATELOG_")}
    env.update(
        ESTATELOG_DATABASE_URL=str(settings.database_url),
        ESTATELOG_REDIS_URL=str(settings.redis_url),
        ESTATELOG_DATA_DIR=str(settings.data_dir),
    )
    return subprocess.run(
        [sys.executable, "-m", "interfaces.cli.main", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_cli_backs_up_verifies_and_refuses_a_tampered_file_or_a_non_empty_store(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    head = populate(container, users=1)
    file = tmp_path / "cli.backup"
    taken = _cli(settings, "backup", "--out", str(file))
    assert taken.returncode == 0, taken.stderr
    assert json.loads(taken.stdout)["to_position"] == head
    # The bar goes to standard error, finished: positions done of all, events counted.
    assert "backup" in taken.stderr and f"{head:,}/{head:,} positions" in taken.stderr, taken.stderr

    checked = _cli(settings, "verify", "--backup", str(file))
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["events_checked"] == head

    not_empty = _cli(settings, "restore", str(file))
    assert not_empty.returncode == 1 and "RESTORE REFUSED" in not_empty.stderr

    raw = gzip.decompress(file.read_bytes()).replace(b'"v":1', b'"v":7', 1)
    file.write_bytes(gzip.compress(raw))
    refused = _cli(settings, "verify", "--backup", str(file))
    assert refused.returncode == 1 and "BACKUP INVALID" in refused.stderr
    with psycopg.connect(container.database_url) as conn:
        row = conn.execute("SELECT count(*) FROM estatelog_events").fetchone()
    assert row == (head + 1,)  # the CLI's BackupTaken event


def test_the_cli_restores_into_a_wiped_store(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    head = populate(container, users=2)
    container.projector.catch_up()
    before = read_models(container)
    file = tmp_path / "cli-full.backup"
    assert _cli(settings, "backup", "--out", str(file)).returncode == 0
    container.close()
    drop_schema(container.database_url)

    restored = _cli(settings, "restore", str(file))
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["head_position"] == head
    fresh = build(settings)
    try:
        assert read_models(fresh) == before
    finally:
        fresh.close()


def test_a_restore_forgets_every_users_version_in_redis(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    """The restored log is another one: a version it reaches again may not be the
    state a process kept for it (decision 0035)."""
    populate(container)
    assert list(container.redis.scan_iter(match=f"{USER_VERSIONS}*"))  # users were saved
    file = tmp_path / "full.backup"
    backup(container, file)
    container.close()
    drop_schema(container.database_url)
    fresh = build(settings)
    try:
        fresh.redis.set(f"{USER_VERSIONS}left-behind", 7)
        restore(fresh, [file])
        assert list(fresh.redis.scan_iter(match=f"{USER_VERSIONS}*")) == []
    finally:
        fresh.close()
