"""Which unit a resident's order is for when they name none (decision 0049)."""

from __future__ import annotations

from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.errors import NotFound
from application.workorders.homes import home_of
from domain.errors import ValidationFailed

EAST, WEST = UUID(int=1), UUID(int=2)
homes = st.lists(st.tuples(st.sampled_from([EAST, WEST]), st.uuids()), max_size=4)


@given(homes)
def test_a_resident_who_names_no_unit_gets_their_only_one_or_a_422_naming_unit_id(
    mine: list[tuple[UUID, UUID]],
) -> None:
    if len(mine) == 1:
        assert home_of(mine, None, None) == mine[0]
    else:
        with pytest.raises(ValidationFailed, match=f"^unit_id: required.*occupy {len(mine)}"):
            home_of(mine, None, None)


@given(homes)
def test_the_estate_named_narrows_the_homes_to_choose_from(mine: list[tuple[UUID, UUID]]) -> None:
    in_east = [home for home in mine if home[0] == EAST]
    if len(in_east) == 1:
        assert home_of(mine, None, EAST) == in_east[0]
    else:
        with pytest.raises(ValidationFailed, match=r"^unit_id: required"):
            home_of(mine, None, EAST)


def test_a_named_unit_is_taken_if_it_is_theirs_and_missing_otherwise() -> None:
    mine = [(EAST, UUID(int=10)), (WEST, UUID(int=20))]
    assert home_of(mine, UUID(int=20), None) == (WEST, UUID(int=20))
    with pytest.raises(NotFound):
        home_of(mine, UUID(int=30), None)
    with pytest.raises(NotFound):  # theirs, but not in the estate they named
        home_of(mine, UUID(int=20), EAST)
