"""How names, phone numbers and national ID numbers are shown in read models (R2.2, R7.3)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.identity.masking import mask_name, mask_national_id, mask_phone

digits = st.text(alphabet="0123456789", min_size=1, max_size=40)
id_chars = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZx", min_size=1, max_size=40)
long_digits = st.text(alphabet="0123456789", min_size=11, max_size=40)
long_ids = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZx", min_size=15, max_size=40)

Mask = Callable[[str | None], str | None]


def test_the_national_id_keeps_its_first_and_last_four_characters() -> None:
    assert mask_national_id("310101199001011234") == "3101**********1234"


def test_a_national_id_ending_in_the_check_letter_x_is_masked_the_same_way() -> None:
    assert mask_national_id("11010519491231002X") == "1101**********002X"


def test_the_mainland_mobile_number_keeps_its_first_three_and_last_four_digits() -> None:
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize("mask", [mask_phone, mask_national_id])
def test_nothing_to_mask_gives_none(mask: Mask) -> None:
    assert mask(None) is None
    assert mask("") is None


@pytest.mark.parametrize(
    ("mask", "value"),
    [
        (mask_phone, "1234567"),
        (mask_phone, "12"),
        (mask_national_id, "12345678"),
        (mask_national_id, "A1"),
    ],
)
def test_short_values_reveal_at_most_a_third(mask: Mask, value: str) -> None:
    masked = mask(value)
    assert masked is not None and len(masked) == len(value)
    assert sum(c != "*" for c in masked) <= len(value) // 3


@given(id_chars)
def test_a_mask_shows_only_end_characters_and_never_most_of_a_short_value(value: str) -> None:
    for mask, shape_length in ((mask_national_id, 15), (mask_phone, 11)):
        masked = mask(value)
        assert masked is not None and len(masked) == len(value)
        revealed = [i for i, c in enumerate(masked) if c != "*"]
        assert all(masked[i] == value[i] for i in revealed)
        # What shows is a prefix and a suffix, never a piece of the middle.
        assert re.fullmatch(r"[^*]*\**[^*]*", masked)
        if len(value) < shape_length:
            assert len(revealed) <= len(value) // 3


@given(id_chars)
def test_a_masked_national_id_has_the_length_of_the_original(value: str) -> None:
    masked = mask_national_id(value)
    assert masked is not None
    assert len(masked) == len(value)


@given(digits)
def test_a_masked_phone_has_the_length_of_the_original(value: str) -> None:
    masked = mask_phone(value)
    assert masked is not None
    assert len(masked) == len(value)


@given(long_ids)
def test_a_masked_national_id_never_shows_its_middle(value: str) -> None:
    masked = mask_national_id(value)
    assert masked is not None
    middle = masked[4:-4]
    assert middle == "*" * (len(value) - 8)
    assert masked[:4] == value[:4]
    assert masked[-4:] == value[-4:]
    # Nothing of the middle survives anywhere: every shown character is an end one.
    assert [c for c in masked if c != "*"] == list(value[:4] + value[-4:])


@given(long_digits)
def test_a_masked_phone_never_shows_its_middle(value: str) -> None:
    masked = mask_phone(value)
    assert masked is not None
    assert masked[3:-4] == "*" * (len(value) - 7)
    assert masked[:3] == value[:3]
    assert masked[-4:] == value[-4:]
    assert [c for c in masked if c != "*"] == list(value[:3] + value[-4:])


@given(st.text(alphabet="0123456789", min_size=4, max_size=4))
def test_an_eleven_digit_phone_with_any_middle_hides_that_middle(middle: str) -> None:
    value = "138" + middle + "5678"
    assert mask_phone(value) == "138****5678"


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_eighteen_character_ids_differing_only_in_the_middle_mask_alike(middle: str) -> None:
    value = "3101" + middle + "1234"
    assert mask_national_id(value) == "3101**********1234"


@given(long_digits)
def test_masking_a_masked_value_changes_nothing(value: str) -> None:
    once = mask_national_id(value)
    assert mask_national_id(once) == once
    assert mask_phone(mask_phone(value)) == mask_phone(value)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("王小明", "王**"),
        ("张伟", "张*"),
        ("John", "J***"),
        ("John Smith", "J*** S****"),
        ("A B", "* *"),
    ],
)
def test_a_name_keeps_only_the_first_character_of_each_word(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_no_name_masks_to_none() -> None:
    assert mask_name(None) is None
    assert mask_name("") is None


@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=["Z", "C"]), min_size=1),
        min_size=1,
        max_size=4,
    )
)
def test_a_masked_name_shows_at_most_the_first_character_of_each_word(words: list[str]) -> None:
    masked = mask_name(" ".join(words))
    assert masked is not None
    parts = masked.split(" ")
    assert [len(p) for p in parts] == [len(w) for w in words]
    for word, part in zip(words, parts, strict=True):
        assert part[1:] == "*" * (len(word) - 1)
        assert part[0] in (word[0], "*")
