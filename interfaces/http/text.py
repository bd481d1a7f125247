"""The text a request may carry: one set of rules for every string of every body.

The log is forever, so text is checked before it can become an event:
PostgreSQL text cannot hold NUL, control characters break exports and
terminals, and bidi overrides or zero-width characters let a name look like
another. Every ``str`` of a request body is one of the types built here
(``tests/e2e/api/test_input_rules.py`` walks the app's routes to keep it so):

- :class:`SingleLine` for names, identifiers, titles, references: no control
  character at all, no bidi override or isolate, no zero-width character,
  NFC-normalised;
- :class:`MultiLine` for descriptions, notes, messages: tab and newline are
  the only control characters (CRLF and CR become LF), no bidi override or
  isolate, NFC-normalised;
- :class:`Secret` for passwords and tokens: no control character, otherwise
  taken exactly as sent (normalising would change what a password hashes to);
- :class:`JsonRule` for the few free-form JSON values (approval rules): every
  key and string in them is a :class:`SingleLine`.

Each type also bounds the length, counted after normalisation.
"""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from domain.text import DECIMAL_TEXT, control_characters, describe, forbidden_character


def _refuse(what: str, char: str) -> PydanticCustomError:
    return PydanticCustomError(
        "text_character",
        "{what} {char} is not allowed here",
        {"what": what, "char": describe(char)},
    )


def _check_length(text: str, min_length: int, max_length: int) -> str:
    if len(text) < min_length:
        raise PydanticCustomError("string_too_short", "at least {n} characters", {"n": min_length})
    if len(text) > max_length:
        raise PydanticCustomError("string_too_long", "at most {n} characters", {"n": max_length})
    return text


@dataclass(frozen=True)
class _TextRule(ABC):
    max_length: int
    min_length: int = 1
    pattern: str | None = None

    @abstractmethod
    def clean(self, text: str) -> str:
        """The text as stored, or a PydanticCustomError saying what is wrong."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # The inner schema gives the OpenAPI document its limits and refuses
        # oversize text before it is scanned; ``clean`` decides the rest.
        inner = core_schema.str_schema(
            min_length=self.min_length,
            max_length=self.max_length * 2,
            pattern=self.pattern,
            strict=True,
        )
        return core_schema.no_info_after_validator_function(self.clean, inner)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json = handler(schema)
        json["maxLength"] = self.max_length
        return json


@dataclass(frozen=True)
class SingleLine(_TextRule):
    """A name, identifier, title or reference: one line of visible text."""

    def clean(self, text: str) -> str:
        if (found := forbidden_character(text)) is not None:
            raise _refuse(*found)
        return _check_length(unicodedata.normalize("NFC", text), self.min_length, self.max_length)


@dataclass(frozen=True)
class MultiLine(_TextRule):
    """A description, note, message or body: lines of text."""

    def clean(self, text: str) -> str:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if (found := forbidden_character(text, multiline=True)) is not None:
            raise _refuse(*found)
        return _check_length(unicodedata.normalize("NFC", text), self.min_length, self.max_length)


@dataclass(frozen=True)
class Secret(_TextRule):
    """A password or a token: compared exactly, so never normalised."""

    def clean(self, text: str) -> str:
        if (char := control_characters(text)) is not None:
            raise _refuse("the control character", char)
        return _check_length(text, self.min_length, self.max_length)


@dataclass(frozen=True)
class JsonRule:
    """Free-form JSON whose keys and strings are each a :class:`SingleLine`."""

    max_string: int = 200
    max_depth: int = 8

    def clean(self, value: Any, depth: int = 0) -> Any:
        if depth > self.max_depth:
            raise PydanticCustomError("json_depth", "nested too deeply")
        line = SingleLine(self.max_string, min_length=0)
        if isinstance(value, str):
            return line.clean(value)
        if isinstance(value, list):
            return [self.clean(v, depth + 1) for v in value]
        if isinstance(value, dict):
            return {line.clean(k): self.clean(v, depth + 1) for k, v in value.items()}
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.clean, handler(source))


def ascii_decimal(value: Any) -> Any:
    """Refuse a decimal string unless it is plain ASCII digits with an optional point."""
    if isinstance(value, str) and not DECIMAL_TEXT.fullmatch(value):
        raise PydanticCustomError(
            "decimal_text",
            'write a number with the ASCII digits 0-9 and an optional decimal point, e.g. "12.30"',
        )
    return value
