"""Maps domain events to stored events, stamping each with request metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic

from application.context import current_context

META_KEY = "__meta__"


class MetadataMapper(Mapper[UUID]):
    """Adds the current :class:`~application.context.CommandContext` to every event.

    The metadata travels inside the stored state under ``__meta__`` so it is
    covered by the hash chain, but it never reaches the aggregate: domain code
    sees only the event's own fields. Read models get it from :meth:`decode`.
    """

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        event_state = dict(vars(domain_event))
        originator_id = event_state.pop("originator_id")
        originator_version = event_state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            event_state["class_version"] = class_version
        meta = current_context().as_metadata()
        meta["recorded_at"] = datetime.now(UTC).isoformat()
        event_state[META_KEY] = meta
        state = self.transcoder.encode(event_state)
        if self.compressor:
            state = self.compressor.compress(state)
        if self.cipher:
            state = self.cipher.encrypt(state)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(type(domain_event)),
            state=state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        return self.decode(stored_event)[0]

    def decode(self, stored_event: StoredEvent) -> tuple[DomainEventProtocol[UUID], dict[str, Any]]:
        """The domain event and the metadata it was stored with."""
        state = stored_event.state
        if self.cipher:
            state = self.cipher.decrypt(state)
        if self.compressor:
            state = self.compressor.decompress(state)
        event_state: dict[str, Any] = self.transcoder.decode(state)
        meta = event_state.pop(META_KEY, None) or {}
        # Hand the decoded state to the library's mapper so that upcasting and
        # originator-ID conversion stay the library's.
        event = _REBUILDER.to_domain_event(
            StoredEvent(
                originator_id=stored_event.originator_id,
                originator_version=stored_event.originator_version,
                topic=stored_event.topic,
                state=event_state,  # type: ignore[arg-type]
            )
        )
        return event, meta


class _DecodedState(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return obj  # type: ignore[no-any-return]

    def decode(self, data: bytes) -> Any:
        return data


_REBUILDER: Mapper[UUID] = Mapper(transcoder=_DecodedState())
