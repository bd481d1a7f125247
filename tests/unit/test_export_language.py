"""The language of an export from Accept-Language (``interfaces/http/language.py``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interfaces.http.language import accepted


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en", "en"),
        ("EN-us", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-GB,en;q=0.9,zh-CN;q=0.8", "en"),
        ("zh;q=0.5, en;q=0.8", "en"),
        ("fr, de;q=0.9", "zh"),  # none of ours: the default
        ("fr, en;q=0.1", "en"),
        ("en;q=0, zh-TW", "zh"),  # q=0 is "not this one"
        ("en;q=abc", "zh"),  # an unreadable weight is ignored
        ("*", "zh"),
        ("en, zh", "en"),  # a tie: the earlier
    ],
)
def test_the_preferred_language_of_ours_wins(header: str | None, lang: str) -> None:
    assert accepted(header) == lang


@given(st.text(max_size=80))
def test_any_header_gives_one_of_our_languages(header: str) -> None:
    assert accepted(header) in ("zh", "en")
