"""How personal data is shown in read models and exports (R2.2).

Identity-card numbers and mobile numbers keep their familiar shape
(``3101**********1234``, ``138****5678``); other lengths reveal at most a
third, so a mask never gives away most of a short value. Names keep the first
character of each word (``王**``, ``J*** S****``), as names are commonly masked
in China; a two-character name keeps its surname (``张*``), which it shares
with millions.
"""

from __future__ import annotations

ERASED = "[erased]"


def _mask(value: str | None, head: int, tail: int) -> str | None:
    if not value:
        return None
    # Reveal at most a third of the value.
    while head + tail > len(value) // 3 and (head or tail):
        if head >= tail and head:
            head -= 1
        else:
            tail -= 1
    return value[:head] + "*" * (len(value) - head - tail) + (value[-tail:] if tail else "")


def _fixed(value: str, head: int, tail: int) -> str:
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_national_id(value: str | None) -> str | None:
    """``310101199001011234`` -> ``3101**********1234`` (15- and 18-character IDs)."""
    if value and len(value) >= 15:
        return _fixed(value, 4, 4)
    return _mask(value, 4, 4)


def mask_phone(value: str | None) -> str | None:
    """``13812345678`` -> ``138****5678`` (mobile numbers of 11 digits or more)."""
    if value and len(value) >= 11:
        return _fixed(value, 3, 4)
    return _mask(value, 3, 4)


def mask_name(value: str | None) -> str | None:
    """``Zhang Wei`` -> ``Z**** W**``; ``王小明`` -> ``王**``; ``张伟`` -> ``张*``.

    The first character of each word of two or more, the rest of it stars; a
    one-character word is a ``*``; words are separated by one space whatever
    separated them. A mask keeps the length of each word and nothing else.
    """
    if not value:
        return None
    words = value.split()
    return " ".join(w[0] + "*" * (len(w) - 1) if len(w) > 1 else "*" for w in words)
