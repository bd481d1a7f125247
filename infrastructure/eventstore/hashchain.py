"""The hash chain over the event log, in global order.

Each stored event's ``chain_hash`` is

    sha256(previous_hash || id || originator_id || version || sha256(topic) || sha256(state))

with ``id`` and ``version`` as 8-byte big-endian integers (PostgreSQL's
``int8send``), the originator ID as its 16 bytes, and 32 zero bytes before the
first event. The database computes it on insert (see ``recorder.py``); this
module recomputes it to verify, and must agree with the SQL byte for byte.
"""

from __future__ import annotations

import hashlib
from uuid import UUID

GENESIS = bytes(32)


def link(
    previous: bytes,
    position: int,
    originator_id: UUID,
    originator_version: int,
    topic: str,
    state: bytes,
) -> bytes:
    """The chain hash of one event given the hash of the event before it."""
    digest = hashlib.sha256(previous)
    digest.update(position.to_bytes(8, "big", signed=True))
    digest.update(originator_id.bytes)
    digest.update(originator_version.to_bytes(8, "big", signed=True))
    digest.update(hashlib.sha256(topic.encode("utf-8")).digest())
    digest.update(hashlib.sha256(state).digest())
    return digest.digest()


SQL_LINK = (
    "sha256({prev} || int8send({row}.notification_id) || uuid_send({row}.originator_id)"
    " || int8send({row}.originator_version) || sha256(convert_to({row}.topic, 'UTF8'))"
    " || sha256({row}.state))"
)
