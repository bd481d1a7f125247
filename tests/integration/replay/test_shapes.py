"""A read model's tables of another shape are rebuilt on start, never kept (decision 0018)."""

from __future__ import annotations

from typing import Any

import pytest

from bootstrap import Container, build
from infrastructure.settings import Settings
from projections.shapes import comment
from tests.integration.replay.readmodel_rows import populate, read_models
from tests.support.clock import Clock

pytestmark = pytest.mark.fresh_schema

TABLE = "user_directory"  # the read model of the same name: rows of every user


def _columns(container: Container, table: str) -> list[tuple[Any, ...]]:
    with container.pool.connection() as conn:
        return conn.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            [table],
        ).fetchall()


def _table_ids(container: Container) -> dict[str, int]:
    with container.pool.connection() as conn:
        return dict(
            conn.execute(
                "SELECT relname, oid::bigint FROM pg_class "
                "WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'"
            ).fetchall()
        )


def _comment_of(container: Container, table: str) -> str | None:
    with container.pool.connection() as conn:
        row = conn.execute("SELECT obj_description(%s::regclass, 'pg_class')", [table]).fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "recorded",
    [
        f"'estatelog read model {TABLE} 0123456789abcdef'",  # an older release's DDL
        "NULL",  # a release before shapes were recorded
    ],
    ids=["older-shape", "never-recorded"],
)
def test_a_read_model_of_an_older_shape_is_rebuilt_before_the_service_starts(
    container: Container, settings: Settings, clock: Clock, recorded: str
) -> None:
    populate(container)
    container.projector.catch_up()
    fresh_rows, fresh_columns = read_models(container), _columns(container, TABLE)
    with container.pool.connection() as conn:
        # The old release's table: a column this code no longer has, and rows
        # that code wrote otherwise (one missing), at the same position.
        conn.execute(f"ALTER TABLE {TABLE} ADD COLUMN legacy_name text")
        conn.execute(f"DELETE FROM {TABLE} WHERE user_id = (SELECT user_id FROM {TABLE} LIMIT 1)")
        conn.execute(f"COMMENT ON TABLE {TABLE} IS {recorded}")
    untouched = {t: i for t, i in _table_ids(container).items() if t != TABLE}

    restarted = build(settings, clock=clock)
    try:
        assert _columns(restarted, TABLE) == fresh_columns
        assert read_models(restarted) == fresh_rows
        directory = next(p for p in restarted.projector.projections if p.name == TABLE)
        assert _comment_of(restarted, TABLE) == comment(directory)
        # Only the misshapen read model was rebuilt: the others' tables are the same ones.
        assert {t: i for t, i in _table_ids(restarted).items() if t in untouched} == untouched
    finally:
        restarted.close()


def test_a_start_with_every_shape_unchanged_rebuilds_nothing(
    container: Container, settings: Settings, clock: Clock
) -> None:
    populate(container)
    container.projector.catch_up()
    before, rows = _table_ids(container), read_models(container)

    restarted = build(settings, clock=clock)
    try:
        assert _table_ids(restarted) == before
        assert read_models(restarted) == rows
    finally:
        restarted.close()


def test_tables_dropped_behind_a_read_models_position_are_rebuilt(
    container: Container, settings: Settings, clock: Clock
) -> None:
    """Fresh empty tables at a later position would silently miss every earlier row."""
    populate(container)
    container.projector.catch_up()
    rows = read_models(container)
    with container.pool.connection() as conn:
        conn.execute(f"DROP TABLE {TABLE}")

    restarted = build(settings, clock=clock)
    try:
        assert read_models(restarted) == rows
    finally:
        restarted.close()
