"""Text from the log made fit for PostgreSQL: NUL is projected as U+FFFD.

PostgreSQL text cannot hold U+0000, and jsonb refuses the ``\\u0000`` escape;
an older release accepted NUL in requests, and the log keeps such events for
ever. A read model must never stop on one, so everything a read model writes
from the log passes through here: NUL becomes U+FFFD (the replacement
character, shown for "a character that cannot be represented"), in Python
(:func:`nul_free_note`, :class:`NulFreeVault`) and in the SQL of the log
projections (:data:`NUL_FREE_JSONB`) alike, so live, rebuilt and as-of tables
agree. The stored event is never changed (the hash chain covers it): the
history and the audit pages decode it and show it as it is.
"""

from __future__ import annotations

import re
from typing import Any

from eventsourcing.persistence import Notification

NUL = "\x00"
REPLACEMENT = "\ufffd"

# A JSON "\u0000" escape, not the tail of an escaped backslash ("\\u0000" is a
# backslash and the text "u0000"): preceded by an even number of backslashes.
_ESCAPE = b"\\u0000"
_NUL_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")

#: The stored event ``state`` (bytea, orjson) as jsonb: fails on an event with NUL.
STATE_JSONB = "convert_from(state, 'UTF8')::jsonb"
#: The same with every NUL as U+FFFD. The byte search costs about 1.5 us a
#: 600-byte event, so log projections use it only for a batch that failed.
NUL_FREE_JSONB = r"""(CASE WHEN position('\x5c7530303030'::bytea IN state) = 0
      THEN convert_from(state, 'UTF8')
      ELSE regexp_replace(convert_from(state, 'UTF8'),
                          '(?<!\\)((?:\\\\)*)\\u0000', '\1\\ufffd', 'g')
    END)::jsonb"""


def nul_free_state(state: bytes) -> bytes:
    """A stored event's JSON with each NUL escape turned into U+FFFD's."""
    if _ESCAPE not in state:  # the hot path: one byte search
        return state
    return _NUL_ESCAPE.sub(rb"\1\\ufffd", state)


def nul_free_note(note: Notification) -> Notification:
    """``note`` itself, or a copy whose state holds no NUL."""
    state = nul_free_state(note.state)
    if state is note.state:
        return note
    return Notification(
        id=note.id,
        originator_id=note.originator_id,
        originator_version=note.originator_version,
        topic=note.topic,
        state=state,
    )


def nul_free(text: str | None) -> str | None:
    return text.replace(NUL, REPLACEMENT) if text and NUL in text else text


class NulFreeVault:
    """The vault as read models see it: unmasked text without NUL."""

    def __init__(self, vault: Any) -> None:
        self._vault = vault

    def decrypt(self, subject_id: Any, field: str, ciphertext: str | None) -> str | None:
        return nul_free(self._vault.decrypt(subject_id, field, ciphertext))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._vault, name)
