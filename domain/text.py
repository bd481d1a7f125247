"""Which characters text may hold: one rule for every way text enters the log.

The log is forever: a NUL that PostgreSQL cannot store, a control character
that rewrites a terminal, or a bidi override that makes one name look like
another must be refused before it becomes an event. The HTTP request types
(``interfaces/http/text.py``) and the import files (``application/registry/
importing.py``) both ask :func:`forbidden_character`.
"""

from __future__ import annotations

import re
import unicodedata

# The digits a decimal may be written with: Python's Decimal also reads
# Arabic-Indic, full-width and every other Unicode digit, an exponent and "_".
DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)

# Bidi embeddings, overrides and isolates, and the marks that steer them.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Zero-width space, non-joiner, joiner, word joiner, BOM.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
# Line and paragraph separators: a line break in all but name.
SEPARATORS = frozenset("\u2028\u2029")
MULTILINE_CONTROLS = frozenset("\t\n")


def describe(char: str) -> str:
    """A character as an error message may show it (never the character itself)."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def control_characters(text: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """The first C0/C1 control character or lone surrogate in ``text``, if any."""
    for char in text:
        if char in allowed:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            return char
    return None


def forbidden_character(text: str, *, multiline: bool = False) -> tuple[str, str] | None:
    """What is wrong with ``text`` and the character, or None if it may be stored.

    One line (a name, a code, a title) holds no control character, bidi
    control, zero-width character or line separator. Several lines (a
    description, a note) may also hold tab and newline, and zero-width
    characters (emoji sequences and some scripts need them).
    """
    char = control_characters(text, MULTILINE_CONTROLS if multiline else frozenset())
    if char is not None:
        return "the control character", char
    for char in text:
        if char in BIDI:
            return "the bidi control", char
        if not multiline and char in ZERO_WIDTH:
            return "the zero-width character", char
        if not multiline and char in SEPARATORS:
            return "the line separator", char
    return None
