"""One batch of the log: which events to decode, and each read model's share of them."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from eventsourcing.persistence import Notification
from eventsourcing.utils import resolve_topic

from projections.events import kind_of, kind_of_qualname
from projections.log import EventSource
from projections.protocols import Decoded, Projection, reads_the_log
from projections.safetext import nul_free_note

log = logging.getLogger(__name__)


class Decoder:
    """Decodes the events a set of read models reads, and only those.

    Every event's topic must still resolve, decoded or not: an event this code
    cannot read stops the read models at its position (``unreadable``) rather
    than slipping past the ones that would not have read it. A NUL in the
    event's text reaches the read models as U+FFFD (``projections/safetext.py``).
    """

    def __init__(self, event_log: EventSource, projections: Sequence[Projection]) -> None:
        self.mapper = event_log.mapper_with_metadata
        decoding = [p for p in projections if not reads_the_log(p)]
        names = [getattr(p, "aggregates", None) for p in decoding]
        # None: some read model reads every aggregate.
        self.wanted = None if None in names else {a for n in names if n for a in n}

    def decode(self, notes: Sequence[Notification]) -> tuple[list[Decoded], tuple[int, str] | None]:
        """The wanted events of ``notes`` decoded, up to the first unreadable one
        (then also its (position, error))."""
        decoded: list[Decoded] = []
        wanted = self.wanted
        for note in notes:
            try:
                if wanted is None or _aggregate_of_topic(note.topic) in wanted:
                    if b"\\" in note.state:  # one memchr: most events hold no JSON escape at all
                        note = nul_free_note(note)
                    decoded.append((*self.mapper.decode(note), note))
                else:
                    _check_topic(note.topic)
            except Exception as e:  # e.g. a topic this code cannot import
                log.exception("event %s cannot be decoded", note.id)
                return decoded, (note.id, repr(e))
        return decoded, None


_TOPIC_AGGREGATE: dict[str, str] = {}
_RESOLVED: set[str] = set()


def _aggregate_of_topic(topic: str) -> str:
    """The aggregate a stored topic ("module:User.LoginFailed") belongs to ("User"),
    as :func:`kind_of` names it from the decoded event's class."""
    name = _TOPIC_AGGREGATE.get(topic)
    if name is None:
        _check_topic(topic)
        name = _TOPIC_AGGREGATE[topic] = kind_of_qualname(topic.partition(":")[2])[0]
    return name


def _check_topic(topic: str) -> None:
    if topic not in _RESOLVED:
        resolve_topic(topic)  # raises for a topic no code here defines
        _RESOLVED.add(topic)


class ByAggregate:
    """One batch of decoded events, grouped by aggregate once, so that each read
    model takes its share without looking at every event again."""

    def __init__(self, events: Sequence[Decoded]) -> None:
        self.events = events
        self.groups: dict[str, list[Decoded]] = {}
        for decoded in events:
            self.groups.setdefault(kind_of(decoded[0])[0], []).append(decoded)

    def share(self, projection: Projection, after: int = 0) -> Sequence[Decoded]:
        """The events ``projection`` reads (by its ``aggregates``; all if it names
        none), in log order, after position ``after``."""
        names = getattr(projection, "aggregates", None)
        if names is None:
            events: Sequence[Decoded] = self.events
        else:
            parts = [self.groups[name] for name in names if name in self.groups]
            if len(parts) > 1:
                events = sorted((d for part in parts for d in part), key=lambda d: d[2].id)
            else:
                events = parts[0] if parts else []
        if events and events[0][2].id <= after:
            events = [d for d in events if d[2].id > after]
        return events
