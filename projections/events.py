"""What every read model needs to know about a stored event, in one place."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import orjson

from domain.identity.masking import ERASED, mask_name

# Fields that never leave the event log in clear: hashes, ciphertext.
SECRET_FIELDS = frozenset({"password_hash"})
ENCRYPTED_SUFFIX = "_enc"
# Personal data an older release recorded in clear (a user's name before it
# was sealed): shown masked, and not at all once the person's data is erased.
CLEAR_NAME_FIELDS = frozenset({"display_name"})


def kind_of(event: object) -> tuple[str, str]:
    """(aggregate type, event type), e.g. ("User", "LoginFailed")."""
    event_type = type(event)
    kind = _KINDS.get(event_type)
    if kind is None:  # once per class: read models ask for every event
        kind = _KINDS[event_type] = kind_of_qualname(event_type.__qualname__)
    return kind


def kind_of_qualname(qualname: str) -> tuple[str, str]:
    """(aggregate type, event type) of an event class's qualified name, e.g.
    "User.LoginFailed"; a class of its own ("BackupTaken") is both."""
    aggregate, _, name = qualname.rpartition(".")
    return aggregate or qualname, name


_KINDS: dict[type, tuple[str, str]] = {}


def payload_of(event: object, *, erased: bool = False) -> dict[str, Any]:
    """The event's own fields, with secrets and ciphertext left out.

    A name in clear (``CLEAR_NAME_FIELDS``) is masked, or ``[erased]`` when
    ``erased``: the person's data was erased after this event.
    """
    out: dict[str, Any] = {}
    for key, value in vars(event).items():
        if key in ("originator_id", "originator_version", "timestamp", "originator_topic"):
            continue
        if key in SECRET_FIELDS:
            out[key] = "[redacted]"
        elif key.endswith(ENCRYPTED_SUFFIX):
            out[key] = "[encrypted]" if value else None
        elif key in CLEAR_NAME_FIELDS:
            out[key] = hide_clear_name(value, erased)
        elif key == "changes" and isinstance(value, dict):
            out[key] = {
                k: (
                    ("[encrypted]" if v else None)
                    if k.endswith(ENCRYPTED_SUFFIX)
                    else hide_clear_name(v, erased)
                    if k in CLEAR_NAME_FIELDS
                    else v
                )
                for k, v in value.items()
            }
        else:
            out[key] = value
    return out


def hide_clear_name(value: Any, erased: bool) -> Any:
    """A name an older release stored in clear, as it may be shown."""
    if not value or not isinstance(value, str):
        return value
    return ERASED if erased else mask_name(value)


def details_of(event: object, *, erased: bool = False) -> dict[str, Any]:
    """The event's own fields as plain JSON values, secrets and ciphertext left out."""
    return orjson.loads(to_json(payload_of(event, erased=erased)))  # type: ignore[no-any-return]


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=str)
    if isinstance(obj, Enum):
        return obj.value
    raise TypeError(type(obj).__name__)


def to_json(value: Any) -> str:
    return orjson.dumps(value, default=_default).decode()


def meta_uuid(meta: dict[str, Any], key: str) -> UUID | None:
    value = meta.get(key)
    return UUID(value) if value else None


def occurred_at(event: object) -> datetime:
    return vars(event)["timestamp"]  # type: ignore[no-any-return]


def as_uuid(value: UUID | str) -> UUID:
    """An originator ID as a UUID (the recorder hands out UUIDs already)."""
    return value if isinstance(value, UUID) else UUID(value)
