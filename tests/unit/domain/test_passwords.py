"""The password rule (R2.1): long, not common, not trivial, not the user's own name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.identity.passwords import PasswordRule, WeakPassword, check_password
from domain.identity.policy import Role
from domain.identity.user import LockoutPolicy, User
from infrastructure.common_passwords import common_passwords

COMMON = common_passwords()
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Words no list of common passwords is made of, for passwords that must pass.
WORDS = ["ochre", "lantern", "harbour", "gatehouse", "plum", "courtyard", "tamarind", "quay"]


def rule_of(password: str, username: str = "li.wei", name: str | None = "Wang Fang") -> str | None:
    try:
        check_password(password, common=COMMON, username=username, display_name=name)
    except WeakPassword as refused:
        assert refused.detail.startswith("password: ")
        assert password not in refused.detail  # never echoed back
        return str(refused.rule)
    return None


def test_the_shipped_list_is_large_and_lower_case() -> None:
    assert len(COMMON) >= 30_000
    assert all(p == p.lower() for p in COMMON)
    assert {"password", "iloveyou", "qwerty", "correcthorsebatterystaple"} <= COMMON


@given(st.sampled_from(sorted(p for p in COMMON if len(p) >= 4)), st.integers(0, 9999))
def test_a_listed_password_is_refused_whatever_year_or_case_it_wears(word: str, n: int) -> None:
    for dressed in (word, word.upper(), f"{word}{n:04d}!", f"{word.capitalize()}-{n}", word * 2):
        if len(dressed) >= 12:
            assert rule_of(dressed, username="x.y.z", name=None) is not None, dressed


@given(st.lists(st.sampled_from(WORDS), min_size=3, max_size=4, unique=True), st.integers(10, 99))
def test_a_passphrase_of_uncommon_words_passes(words: list[str], n: int) -> None:
    assert rule_of("-".join(words) + f"-{n}") is None


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short-pw-1", PasswordRule.LENGTH),
        ("x" * 257, PasswordRule.LENGTH),
        ("zzzzzzzzzz-q7", PasswordRule.REPEATED),
        ("ab12ab12ab12ab", PasswordRule.REPEATED),
        ("abcdefghijkl", PasswordRule.SEQUENCE),
        ("asdfghjkl;'9", PasswordRule.SEQUENCE),
        ("zyxwvutsrqpo", PasswordRule.SEQUENCE),
        ("Sunshine!!2024", PasswordRule.COMMON),
        ("p@ssw0rd-2024", PasswordRule.COMMON),
        ("tamarind-li.wei-quay", PasswordRule.PERSONAL),
        ("tamarind-LIWEI-quay", PasswordRule.PERSONAL),
        ("wang-tamarind-quay", PasswordRule.PERSONAL),
        ("ochre-王芳-lantern", PasswordRule.PERSONAL),
    ],
)
def test_each_rule_refuses_its_example(password: str, rule: PasswordRule) -> None:
    name = "王芳" if "王" in password else "Wang Fang"
    assert rule_of(password, name=name) == rule


def test_a_listed_word_inside_much_randomness_is_not_a_listed_password() -> None:
    assert rule_of("8472919374dragon") is None


def test_a_rehash_records_the_new_hash_and_keeps_every_session() -> None:
    user = User(
        username="li.wei", display_name=None, roles=[Role.OWNER], password_hash="$argon2id$old"
    )
    user.attempt_login(
        password_ok=True,
        at=T0,
        client_ip=None,
        user_agent=None,
        session_id="s-1",
        refresh_expires_at=T0.replace(year=2027),
        policy=LockoutPolicy(),
    )
    user.collect_events()
    assert user.rehash_password("$argon2id$old", "$argon2id$new", at=T0) is True
    assert [type(e).__name__ for e in user.collect_events()] == ["PasswordRehashed"]
    assert user.password_hash == "$argon2id$new"
    assert user.session_is_active("s-1")


def test_a_rehash_over_a_password_changed_meanwhile_records_nothing() -> None:
    user = User(
        username="li.wei", display_name=None, roles=[Role.OWNER], password_hash="$argon2id$old"
    )
    user.change_password("$argon2id$changed", at=T0)
    user.collect_events()
    assert user.rehash_password("$argon2id$old", "$argon2id$new", at=T0) is False
    assert user.collect_events() == []
    assert user.password_hash == "$argon2id$changed"
