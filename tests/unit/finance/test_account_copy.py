"""A command's copy of a unit account (decision 0054): the repository hands every
command a deep copy of the cached account, which shares what cannot change
(IDs, amounts, dates, the archives) and copies every container a command may
change. Whatever the copy then does, the cached account stays as it was."""

from __future__ import annotations

import copy
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.finance.account import UnitAccount
from domain.finance.archive import copy_open
from tests.support.aggregates import typed
from tests.support.examples import examples
from tests.unit.finance.test_bounded_account import Op, _account, _act, ops

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=3)
    | st.decimals(allow_nan=False)
    | st.uuids()
    | st.dates()
)
plain = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=3) | st.uuids(), inner, max_size=4)
        | st.sets(scalars, max_size=4)
        | st.tuples(inner, inner)
    ),
    max_leaves=20,
)


def _containers(value: Any) -> list[Any]:
    """Every dict, list and set inside ``value``."""
    found = [value] if isinstance(value, (dict, list, set)) else []
    children = value.values() if isinstance(value, dict) else value
    if isinstance(value, (dict, list, tuple)):
        for child in children:
            found += _containers(child)
    return found


@settings(max_examples=examples(200), deadline=None)
@given(plain)
def test_copy_open_is_a_deep_copy_that_shares_no_container(value: Any) -> None:
    copied = copy_open(value, {})
    assert typed(copied) == typed(value)
    theirs = {id(c) for c in _containers(value)}
    assert not theirs & {id(c) for c in _containers(copied)}


def test_a_container_held_twice_is_copied_once_as_deepcopy_does() -> None:
    shared: list[int] = [1]
    copied = copy_open({"a": shared, "b": (shared, 2)}, {})
    assert copied["a"] is copied["b"][0] and copied["a"] is not shared


def _story(account: UnitAccount, story: list[Op], start: int) -> None:
    state: dict[str, list[UUID]] = {"bills": [], "payments": []}
    for step, op in enumerate(story, start):
        _act(account, step, op, state)


@settings(max_examples=examples(150), deadline=None)
@given(ops, ops)
def test_a_copy_changed_by_any_commands_leaves_the_cached_account_as_it_was(
    before: list[Op], after: list[Op]
) -> None:
    cached = _account()
    _story(cached, before, 0)
    cached.collect_events()
    as_it_was = typed(vars(cached))
    mine = copy.deepcopy(cached)
    assert typed(vars(mine)) == as_it_was  # the same account, types included
    assert mine.bills.archive is cached.bills.archive  # shared, never changed
    _story(mine, after, len(before))
    assert typed(vars(cached)) == as_it_was
    assert not cached.pending_events


@settings(max_examples=examples(100), deadline=None)
@given(ops, ops)
def test_a_copy_decides_as_the_account_itself_would(before: list[Op], after: list[Op]) -> None:
    """The copy is the account: the same commands give the same events."""
    account = _account()
    _story(account, before, 0)
    account.collect_events()
    mine = copy.deepcopy(account)
    _story(account, after, len(before))
    _story(mine, after, len(before))
    theirs, ours = account.collect_events(), mine.collect_events()
    assert _timeless(mine) == _timeless(account)
    assert [_timeless(e) for e in ours] == [_timeless(e) for e in theirs]


def _timeless(obj: object) -> Any:
    """``obj``'s attributes but the library's clock readings (the event's, the last change)."""
    return typed({k: v for k, v in vars(obj).items() if k not in {"timestamp", "_modified_on"}})
