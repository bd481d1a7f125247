"""Which passwords may be set (R2.1): long, not common, not trivial, not the user's own name.

One rule for every way a password is set (registration, change, reset by an
administrator, the first administrator, the demo). The list of common and
breached passwords is data the caller passes in, so this module stays pure.

A list alone misses the usual disguises of a listed word, so it is checked in
the forms people type it: any case, letters written as digits (``p4ssw0rd``),
separators between the words, a few digits or symbols added at either end
(``Password2024!``) or the word said twice (``monkeymonkey``).
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Container, Iterator
from enum import StrEnum
from itertools import pairwise

from domain.errors import ValidationFailed

MIN_LENGTH = 12
MAX_LENGTH = 256

_LEET = str.maketrans("013457@$!|+", "oieastasilt")
_SEPARATORS = re.compile(r"[\s._\-+/\\,;:]+")
_PADDING = string.digits + string.punctuation + " "
_MAX_PADDING = 8
# Keys in a row on a keyboard: walking along them is as guessable as "abcdef".
_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEXT = {a: b for row in _ROWS for a, b in pairwise(row)}


class PasswordRule(StrEnum):
    LENGTH = "length"
    COMMON = "common"
    REPEATED = "repeated"
    SEQUENCE = "sequence"
    PERSONAL = "personal"


class WeakPassword(ValidationFailed):
    """A password that breaks ``rule``; the answer names the rule, never the password."""

    def __init__(self, rule: PasswordRule, detail: str) -> None:
        super().__init__(f"password: {detail}")
        self.rule = rule


def check_password(
    password: str,
    *,
    common: Container[str],
    username: str,
    display_name: str | None = None,
) -> None:
    """Raise :class:`WeakPassword` naming the first rule ``password`` breaks.

    ``common`` holds lower-case common and breached passwords; ``username``
    and ``display_name`` are the account's own, which a password must not
    contain.
    """
    if len(password) < MIN_LENGTH:
        raise WeakPassword(PasswordRule.LENGTH, f"at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(PasswordRule.LENGTH, f"at most {MAX_LENGTH} characters")
    if _mostly_repeated(password):
        raise WeakPassword(
            PasswordRule.REPEATED, "mostly one repeated character or a short repeated pattern"
        )
    if _mostly_sequences(password):
        raise WeakPassword(
            PasswordRule.SEQUENCE, "mostly a trivial sequence (abcdef, 123456, qwerty)"
        )
    if any(form in common for form in _forms(password)):
        raise WeakPassword(
            PasswordRule.COMMON, "a common or breached password, or one dressed up as one"
        )
    if _contains_own_name(password, username, display_name):
        raise WeakPassword(PasswordRule.PERSONAL, "must not contain the username or the name")


def _mostly_repeated(password: str) -> bool:
    """Half or more is one character, or it is a unit of up to four characters repeated."""
    low = password.lower()
    if Counter(low).most_common(1)[0][1] * 2 >= len(low) or len(set(low)) < 5:
        return True
    return any(low == low[:n] * (len(low) // n) + low[: len(low) % n] for n in range(1, 5))


def _mostly_sequences(password: str) -> bool:
    """All but three characters lie on runs of three or more neighbours.

    Neighbours follow each other in the alphabet or the digits (either way)
    or on a keyboard row: ``abcdef``, ``987654``, ``qwerty``, ``asdfgh``.
    """
    low = password.lower()
    covered = [False] * len(low)
    start = 0
    for i in range(1, len(low) + 1):
        if i < len(low) and _neighbours(low[i - 1], low[i]):
            continue
        if i - start >= 3:
            covered[start:i] = [True] * (i - start)
        start = i
    return covered.count(False) <= 3


def _neighbours(a: str, b: str) -> bool:
    return abs(ord(a) - ord(b)) == 1 or _NEXT.get(a) == b or _NEXT.get(b) == a


def _forms(password: str) -> Iterator[str]:
    """The password as a list would hold it, undressed in the usual ways."""
    low = password.lower()
    texts = [low, _SEPARATORS.sub("", low)]
    for core in _cores(low):
        texts += [core, _SEPARATORS.sub("", core)]
    for text in texts:
        for form in (text, text.translate(_LEET)):
            yield form
            unit = _repeated_unit(form)
            if unit is not None:
                yield unit


def _cores(text: str) -> Iterator[str]:
    """``text`` without digits and symbols added at either end, each way of cutting them.

    People add a year, a few digits or a "!" (at most ``_MAX_PADDING`` at an
    end); a listed word inside ten random digits is not a listed password.
    """
    ends = range(min(_MAX_PADDING, len(text)) + 1)
    heads = [j for j in ends if all(c in _PADDING for c in text[:j])]
    tails = [len(text) - k for k in ends if all(c in _PADDING for c in text[len(text) - k :])]
    for j in heads:
        for i in tails:
            if i - j >= 4 and (i - j) * 2 >= len(text) and (j, i) != (0, len(text)):
                yield text[j:i]


def _repeated_unit(text: str) -> str | None:
    """``monkeymonkey`` -> ``monkey``: the unit (of three or more) a text repeats."""
    for n in range(3, len(text) // 2 + 1):
        if len(text) % n == 0 and text == text[:n] * (len(text) // n):
            return text[:n]
    return None


def _contains_own_name(password: str, username: str, display_name: str | None) -> bool:
    typed = _SEPARATORS.sub("", password.lower())
    plain = typed.translate(_LEET)
    names = {username.lower(), _SEPARATORS.sub("", username.lower())}
    names |= {part for part in re.split(r"[._\-@]+", username.lower()) if len(part) >= 4}
    if display_name:
        whole = _SEPARATORS.sub("", display_name.lower())
        # Names written in Chinese characters are short: two characters are a name.
        if len(whole) >= 3 or (len(whole) == 2 and not whole.isascii()):
            names.add(whole)
        names |= {word for word in display_name.lower().split() if len(word) >= 4}
    return any(name and (name in typed or name in plain) for name in names)
